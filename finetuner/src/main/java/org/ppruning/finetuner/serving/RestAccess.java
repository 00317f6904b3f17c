package org.ppruning.finetuner.serving;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.ppruning.finetuner.FinetunerConfig;

/**
 * Who may call the REST API ({@code /v1/*}), checked before the body is read: with TLS configured
 * ({@code ppruning.finetuner.serving.tls.cert}) only over HTTPS, the plain port answering 403
 * naming the HTTPS port (probes and metrics stay on plain HTTP); with a token configured only with
 * {@code Authorization: Bearer <token>} on every port (401, {@link BearerToken} compares); and a
 * declared {@code Content-Length} above {@code quarkus.http.limits.max-body-size} is refused (413)
 * naming the limit. Errors are TensorFlow Serving's {@code {"error": ...}}.
 */
@ApplicationScoped
public class RestAccess {
  static final String MAX_BODY = "quarkus.http.limits.max-body-size";

  void register(@Observes Filters filters, BearerToken token, FinetunerConfig config) {
    boolean tls = config.serving().tls().cert().isPresent();
    long maxBody =
        ConfigProvider.getConfig()
            .getOptionalValue(MAX_BODY, MemorySize.class)
            .map(MemorySize::asLongValue)
            .orElse(Long.MAX_VALUE);
    filters.register(ctx -> check(ctx, tls, token, maxBody), 100);
  }

  private static void check(RoutingContext ctx, boolean tls, BearerToken token, long maxBody) {
    String path = ctx.normalizedPath();
    if (!path.equals("/v1") && !path.startsWith("/v1/")) {
      ctx.next();
      return;
    }
    if (tls && !ctx.request().isSSL()) {
      refuse(
          ctx,
          403,
          "the REST API is served over HTTPS only (TLS is configured by "
              + ServingTls.CERT
              + "): use https:// on port "
              + httpsPort()
              + "; plain HTTP serves the probes (/q/health) and metrics (/q/metrics) only");
      return;
    }
    String refusal = token.refusal(ctx.request().getHeader("Authorization"), "header");
    if (refusal != null) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer");
      refuse(ctx, 401, refusal);
      return;
    }
    String length = ctx.request().getHeader("Content-Length");
    if (length != null && length.chars().allMatch(Character::isDigit) && length.length() < 19) {
      long n = Long.parseLong(length);
      if (n > maxBody) {
        refuse(
            ctx,
            413,
            "the request body of "
                + n
                + " bytes exceeds the limit of "
                + maxBody
                + " bytes ("
                + MAX_BODY
                + ")");
        return;
      }
    }
    ctx.next();
  }

  private static String httpsPort() {
    Config c = ConfigProvider.getConfig();
    String key =
        LaunchMode.current() == LaunchMode.TEST
            ? "quarkus.http.test-ssl-port"
            : "quarkus.http.ssl-port";
    return c.getOptionalValue(key, String.class).orElse("8443");
  }

  private static void refuse(RoutingContext ctx, int status, String message) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(io.vertx.core.buffer.Buffer.buffer(RestJson.error(message)));
  }
}
