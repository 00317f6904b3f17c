package org.ppruning.finetuner.serving;

import io.quarkus.grpc.api.ServerBuilderCustomizer;
import io.quarkus.grpc.runtime.config.GrpcServerConfiguration;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.grpc.VertxServerBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.ppruning.finetuner.FinetunerConfig;

/**
 * TLS of the separate gRPC server beyond what {@code quarkus.grpc.server.ssl.*} takes: Quarkus 3.33
 * reads the server certificate and key from PEM there (application.properties maps {@code
 * ppruning.finetuner.serving.tls.cert/key} onto it) but client CAs only from a JKS/PKCS#12 trust
 * store. This customizer trusts the PEM {@code serving.tls.client-ca}; {@link ClientAuthMapping}
 * makes Quarkus require a client certificate when it is set. Refuses half configurations.
 */
@ApplicationScoped
public class ServingTls implements ServerBuilderCustomizer<VertxServerBuilder> {
  static final String CERT = "ppruning.finetuner.serving.tls.cert";
  static final String KEY = "ppruning.finetuner.serving.tls.key";
  static final String CLIENT_CA = "ppruning.finetuner.serving.tls.client-ca";

  private final FinetunerConfig.Tls tls;

  ServingTls(FinetunerConfig config) {
    this.tls = config.serving().tls();
  }

  @Override
  public void customize(GrpcServerConfiguration config, VertxServerBuilder builder) {
    check(tls.cert(), tls.key(), tls.clientCa())
        .ifPresent(
            ca ->
                builder.useSsl(
                    options ->
                        options.setTrustOptions(new PemTrustOptions().addCertPath(ca.toString()))));
  }

  /**
   * The client CA to trust, if any, after refusing a certificate without a key (or the reverse), a
   * client CA without TLS, and files that cannot be read.
   */
  static Optional<Path> check(Optional<Path> cert, Optional<Path> key, Optional<Path> clientCa) {
    if (cert.isPresent() != key.isPresent()) {
      throw new IllegalStateException(
          CERT + " and " + KEY + " go together: only " + (cert.isPresent() ? CERT : KEY) + " set");
    }
    cert.ifPresent(p -> readable(CERT, p));
    key.ifPresent(p -> readable(KEY, p));
    if (clientCa.isEmpty()) {
      return Optional.empty();
    }
    Path ca = readable(CLIENT_CA, clientCa.get());
    if (cert.isEmpty()) {
      throw new IllegalStateException(
          CLIENT_CA + " (" + ca + ") needs TLS: set " + CERT + " and " + KEY + " too");
    }
    return Optional.of(ca);
  }

  private static Path readable(String key, Path path) {
    if (!Files.isReadable(path)) {
      throw new IllegalStateException(key + ": no readable file at " + path.toAbsolutePath());
    }
    return path;
  }
}
