package org.ppruning.service;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The shared {@code kafka.*} client keys and how a client's configuration is layered from them,
 * with nothing but the JDK: the services use it through {@link KafkaClients}, the command line's
 * clients ({@code bin/ppruning demo}) directly, so both read the same keys the same way.
 */
public final class KafkaKeys {
  static final String PREFIX = "kafka.";

  private KafkaKeys() {}

  /**
   * The Kafka key a setting name stands for: {@code kafka.X} is {@code X}; the environment variable
   * {@code KAFKA_X_Y} is {@code x.y} (Kafka's keys are lower case and dotted, so {@code
   * KAFKA_SASL_JAAS_CONFIG} is {@code sasl.jaas.config}); anything else is empty.
   */
  public static Optional<String> key(String name) {
    String key = null;
    if (name.startsWith(PREFIX)) {
      key = name.substring(PREFIX.length());
    } else if (name.matches("KAFKA_[A-Z0-9_]+")) {
      key = name.substring(PREFIX.length()).toLowerCase().replace('_', '.');
    }
    return key == null || key.isEmpty() ? Optional.empty() : Optional.of(key);
  }

  /**
   * The shared keys of a process outside Quarkus: {@code KAFKA_*} environment variables, then
   * {@code kafka.*} system properties over them (the order Quarkus gives the services).
   */
  public static Map<String, String> of(Map<String, String> env, Map<?, ?> systemProperties) {
    Map<String, String> out = new TreeMap<>();
    env.forEach((k, v) -> key(k).filter(x -> k.startsWith("KAFKA_")).ifPresent(x -> out.put(x, v)));
    systemProperties.forEach(
        (k, v) -> {
          String name = String.valueOf(k);
          if (name.startsWith(PREFIX)) {
            key(name).ifPresent(x -> out.put(x, String.valueOf(v)));
          }
        });
    return out;
  }

  /**
   * A client's configuration: its defaults, the shared keys over them, the per-client overrides
   * over both.
   */
  public static Map<String, Object> layered(
      Map<String, ?> defaults, Map<String, String> shared, Map<String, String> overrides) {
    Map<String, Object> c = new HashMap<>(defaults);
    c.putAll(shared);
    c.putAll(overrides);
    return c;
  }
}
