package org.ppruning.local;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * How {@code up} starts the runtime.
 *
 * @param kafkaPort client port of the broker {@code up} starts (its controller uses port + 1);
 *     ignored with a bootstrap
 * @param bootstrap an existing broker's bootstrap servers (HOST:PORT[,HOST:PORT...]): no broker is
 *     started; null to start one
 * @param httpPorts HTTP port per service
 * @param grpcPort the finetuner's gRPC port
 * @param timeout how long to wait for all services to be ready
 * @param jvmOptions extra options for every service JVM ({@code -Dkafka.security.protocol=SSL},
 *     {@code -Xmx4g}), after ppruning's own
 * @param build build the services when their jar is missing or older than their sources; false: use
 *     the jars as they are (a test harness after the Maven build)
 * @param brokerLater the managed broker is not started: its port is reserved and recorded, the
 *     services are started against it and {@code up} waits only until each answers HTTP (they
 *     cannot be ready without a broker); {@link LocalRuntime#startBroker} starts it later. Ignored
 *     with a bootstrap (refused: an external broker is not ours to start)
 */
public record UpOptions(
    int kafkaPort,
    String bootstrap,
    Map<Service, Integer> httpPorts,
    int grpcPort,
    Duration timeout,
    List<String> jvmOptions,
    boolean build,
    boolean brokerLater) {

  /**
   * Properties {@code up} sets itself from its options; a pass-through option must not set them.
   */
  static final List<String> RESERVED =
      List.of(
          "quarkus.http.port",
          "quarkus.grpc.server.port",
          "kafka.bootstrap.servers",
          "ppruning.local.service",
          "ppruning.local.run-dir");

  public UpOptions {
    Ports.checkRange(kafkaPort, "--kafka-port");
    Ports.checkRange(kafkaPort + 1, "--kafka-port + 1 (the controller port)");
    if (bootstrap != null && !bootstrap.matches("[^\\s,:]+:\\d+(,[^\\s,:]+:\\d+)*")) {
      throw new IllegalArgumentException(
          "--bootstrap must be HOST:PORT[,HOST:PORT...], not '" + bootstrap + "'");
    }
    httpPorts = new EnumMap<>(httpPorts);
    for (Service s : Service.values()) {
      Integer p = httpPorts.get(s);
      if (p == null) {
        throw new IllegalArgumentException("no HTTP port for " + s.id());
      }
      Ports.checkRange(p, "--" + s.id() + "-port");
    }
    Ports.checkRange(grpcPort, "--grpc-port");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException(
          "--timeout must be positive, not " + timeout.toSeconds() + " s");
    }
    jvmOptions = List.copyOf(jvmOptions);
    if (brokerLater && bootstrap != null) {
      throw new IllegalArgumentException(
          "a broker started later is the run directory's own; not with --bootstrap " + bootstrap);
    }
    for (String o : jvmOptions) {
      for (String key : RESERVED) {
        if (o.startsWith("-D" + key + "=")) {
          throw new IllegalArgumentException(
              "'"
                  + o
                  + "' sets "
                  + key
                  + ", which up sets from its own options"
                  + " (--kafka-port/--bootstrap, --<service>-port, --grpc-port)");
        }
      }
    }
  }

  /** The defaults of {@code bin/ppruning up}: broker 9092, services 8081-8083, gRPC 9000, 180 s. */
  public static UpOptions defaults() {
    Map<Service, Integer> http = new EnumMap<>(Service.class);
    for (Service s : Service.values()) {
      http.put(s, s.defaultHttpPort());
    }
    return new UpOptions(
        9092,
        null,
        http,
        Service.FINETUNER.defaultGrpcPort(),
        Duration.ofSeconds(180),
        List.of(),
        true,
        false);
  }

  /** As the canonical constructor, with the broker started by {@code up} (or external). */
  public UpOptions(
      int kafkaPort,
      String bootstrap,
      Map<Service, Integer> httpPorts,
      int grpcPort,
      Duration timeout,
      List<String> jvmOptions,
      boolean build) {
    this(kafkaPort, bootstrap, httpPorts, grpcPort, timeout, jvmOptions, build, false);
  }

  /** The bootstrap servers the services get. */
  public String effectiveBootstrap() {
    return bootstrap != null ? bootstrap : "127.0.0.1:" + kafkaPort;
  }

  public UpOptions withPorts(int kafkaPort, Map<Service, Integer> httpPorts, int grpcPort) {
    return new UpOptions(
        kafkaPort, bootstrap, httpPorts, grpcPort, timeout, jvmOptions, build, brokerLater);
  }

  public UpOptions withBootstrap(String bootstrap) {
    return new UpOptions(
        kafkaPort, bootstrap, httpPorts, grpcPort, timeout, jvmOptions, build, brokerLater);
  }

  public UpOptions withTimeout(Duration timeout) {
    return new UpOptions(
        kafkaPort, bootstrap, httpPorts, grpcPort, timeout, jvmOptions, build, brokerLater);
  }

  public UpOptions withJvmOptions(List<String> jvmOptions) {
    return new UpOptions(
        kafkaPort, bootstrap, httpPorts, grpcPort, timeout, jvmOptions, build, brokerLater);
  }

  public UpOptions withBuild(boolean build) {
    return new UpOptions(
        kafkaPort, bootstrap, httpPorts, grpcPort, timeout, jvmOptions, build, brokerLater);
  }

  /** See {@link #brokerLater}: the services start first, the broker when asked. */
  public UpOptions withBrokerLater(boolean brokerLater) {
    return new UpOptions(
        kafkaPort, bootstrap, httpPorts, grpcPort, timeout, jvmOptions, build, brokerLater);
  }
}
