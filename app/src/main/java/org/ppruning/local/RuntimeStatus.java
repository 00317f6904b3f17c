package org.ppruning.local;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code status} (and {@code up}) report: the broker and each service of a run directory.
 *
 * @param runDir the run directory
 * @param broker the broker the services use
 * @param services per service, in {@link Service} order
 */
public record RuntimeStatus(
    Path runDir, BrokerStatus broker, Map<Service, ServiceStatus> services) {

  /**
   * @param managed started by {@code up} (kafka.sh) rather than given with --bootstrap
   * @param running a managed broker's pid runs; an external broker answers on TCP
   * @param pid a managed broker's pid, else null
   * @param port its client port (external: the first bootstrap server's), or null if unknown
   * @param bootstrap bootstrap servers the services were given, or null if none is recorded
   * @param health managed: kafka.sh status (UP answers a Metadata request); external: UP if TCP
   *     answers
   * @param log a managed broker's log, else null
   */
  public record BrokerStatus(
      boolean managed,
      boolean running,
      Long pid,
      Integer port,
      String bootstrap,
      Health health,
      Path log) {}

  /**
   * @param running its pid runs and its command line still is this service of this run directory
   * @param pid from its pid file, or null if there is none
   * @param port HTTP port from the pid file, or null
   * @param grpcPort gRPC port, or null
   * @param health {@code /q/health/ready}; unreachable when it does not run
   * @param log its log file
   */
  public record ServiceStatus(
      boolean running, Long pid, Integer port, Integer grpcPort, Health health, Path log) {}

  /** True if every service runs and is ready and the broker is up. */
  public boolean allUp() {
    return broker.health() == Health.UP
        && services.values().stream().allMatch(s -> s.running() && s.health() == Health.UP);
  }

  /** The JSON object of {@code status --json} and {@code up --json} (keys documented in README). */
  public Map<String, Object> toJson() {
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("managed", broker.managed());
    b.put("running", broker.running());
    b.put("pid", broker.pid());
    b.put("port", broker.port());
    b.put("bootstrap", broker.bootstrap());
    b.put("health", broker.health().label());
    b.put("log", broker.log() == null ? null : broker.log().toString());
    Map<String, Object> svcs = new LinkedHashMap<>();
    services.forEach(
        (s, st) -> {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("running", st.running());
          m.put("pid", st.pid());
          m.put("port", st.port());
          if (s.hasGrpc()) {
            m.put("grpcPort", st.grpcPort());
          }
          m.put("health", st.health().label());
          m.put("log", st.log().toString());
          svcs.put(s.id(), m);
        });
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("broker", b);
    out.put("services", svcs);
    out.put("runDir", runDir.toString());
    return out;
  }

  /** One line per component, for people. */
  public String toText() {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            "%-10s %-11s %-9s %-17s %-12s %s%n",
            "COMPONENT", "STATE", "PID", "PORT", "HEALTH", "LOG"));
    String bState = broker.managed() ? (broker.running() ? "running" : "stopped") : "external";
    sb.append(
        String.format(
            "%-10s %-11s %-9s %-17s %-12s %s%n",
            "broker",
            bState,
            str(broker.pid()),
            broker.bootstrap() == null ? "-" : broker.bootstrap(),
            broker.health().label(),
            broker.log() == null ? "-" : broker.log()));
    services.forEach(
        (s, st) ->
            sb.append(
                String.format(
                    "%-10s %-11s %-9s %-17s %-12s %s%n",
                    s.id(),
                    st.running() ? "running" : st.pid() == null ? "stopped" : "not running",
                    str(st.pid()),
                    st.port() == null
                        ? "-"
                        : st.port() + (st.grpcPort() == null ? "" : " grpc " + st.grpcPort()),
                    st.health().label(),
                    st.log())));
    sb.append("run dir: ").append(runDir);
    return sb.toString();
  }

  private static String str(Object o) {
    return o == null ? "-" : o.toString();
  }
}
