package org.ppruning.finetuner.serving;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;

/**
 * One key for mTLS: while {@code ppruning.finetuner.serving.tls.client-ca} is set, {@code
 * quarkus.grpc.server.ssl.client-auth} reads {@code REQUIRED} (a plain property expression cannot
 * turn a path into that). Registered in META-INF/services; every other name passes through.
 */
public class ClientAuthMapping implements ConfigSourceInterceptor {
  static final String CLIENT_AUTH = "quarkus.grpc.server.ssl.client-auth";

  @Override
  public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
    if (!CLIENT_AUTH.equals(name)) {
      return context.proceed(name);
    }
    ConfigValue ca = context.proceed(ServingTls.CLIENT_CA);
    if (ca == null || ca.getValue() == null || ca.getValue().isBlank()) {
      return context.proceed(name);
    }
    return ConfigValue.builder()
        .withName(name)
        .withValue("REQUIRED")
        .withConfigSourceName("ppruning: " + ServingTls.CLIENT_CA + " is set")
        .build();
  }
}
