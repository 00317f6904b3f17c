package org.ppruning.system;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.ppruning.local.LocalRuntime;
import org.ppruning.local.Ports;
import org.ppruning.local.Processes;
import org.ppruning.local.RuntimeStatus;
import org.ppruning.local.Service;
import org.ppruning.local.UpOptions;

/**
 * The harness of the system tests: the whole local runtime (broker + profiler, pruner, finetuner as
 * real processes) started and stopped through {@link LocalRuntime}, the code behind {@code
 * bin/ppruning up/down}, on free ports in a fresh run directory.
 *
 * <pre>
 *   try (LocalSystem sys = LocalSystem.start()) {
 *     URI profiler = sys.http(Service.PROFILER);     // http://127.0.0.1:PORT
 *     String bootstrap = sys.bootstrap();            // for the test's own Kafka clients
 *     ...
 *   }                                                // down: every process of the run directory stopped
 * </pre>
 *
 * <p>The broker is the build's test broker (system property {@code kafka.bootstrap.servers}, set by
 * failsafe) when there is one, else one of its own started by kafka.sh in the run directory. Run
 * directories go under {@code ppruning.system.run-root} (the deploy module's target/system-runs)
 * and are kept, with the services' logs, after the test.
 */
public final class LocalSystem implements AutoCloseable {
  /** Quarkus + TensorFlow start in ~5 s alone, but 2 cores are shared with other builds. */
  public static final Duration READY_TIMEOUT = Duration.ofSeconds(240);

  private final LocalRuntime runtime;
  private final UpOptions options;
  private final List<Extra> extras = new ArrayList<>();
  private RuntimeStatus started;

  /**
   * An extra instance of a service ({@link #startExtra}): its name (markers, work directory and
   * log), process and HTTP port.
   */
  public record Extra(String name, Process process, int httpPort) {
    /** {@code http://127.0.0.1:PORT}. */
    public URI http() {
      return URI.create("http://127.0.0.1:" + httpPort);
    }
  }

  private LocalSystem(LocalRuntime runtime, UpOptions options) {
    this.runtime = runtime;
    this.options = options;
  }

  /**
   * Starts everything against the build's test broker (or a broker of its own if there is none).
   */
  public static LocalSystem start() throws IOException {
    return start(System.getProperty("kafka.bootstrap.servers"), List.of());
  }

  /**
   * Starts everything on free ports in a new run directory.
   *
   * @param bootstrap an existing broker, or null to start one with kafka.sh
   * @param jvmOptions extra options for every service JVM
   */
  public static LocalSystem start(String bootstrap, List<String> jvmOptions) throws IOException {
    LocalSystem sys = prepare(bootstrap, jvmOptions);
    sys.up();
    return sys;
  }

  /**
   * A harness with a new run directory and free ports, nothing started yet ({@link #up()} starts).
   */
  public static LocalSystem prepare(String bootstrap, List<String> jvmOptions) throws IOException {
    LocalRuntime rt = new LocalRuntime(projectDir(), newRunDir());
    return new LocalSystem(rt, freePortOptions(bootstrap).withJvmOptions(jvmOptions));
  }

  /**
   * Options with distinct free ports, a test-sized timeout and no build (Maven built the services).
   */
  public static UpOptions freePortOptions(String bootstrap) {
    Set<Integer> taken = new HashSet<>();
    Map<Service, Integer> http = new EnumMap<>(Service.class);
    for (Service s : Service.values()) {
      http.put(s, distinctFreePort(taken));
    }
    int grpc = distinctFreePort(taken);
    int kafka;
    // Odd, so that the controller's kafka + 1 belongs to the same fork (portFork).
    do {
      kafka = distinctFreePort(taken);
    } while (kafka % 2 == 0 || !Ports.isFree(kafka + 1) || !taken.add(kafka + 1));
    return UpOptions.defaults()
        .withPorts(kafka, http, grpc)
        .withBootstrap(bootstrap)
        .withTimeout(READY_TIMEOUT)
        .withBuild(false);
  }

  private static int distinctFreePort(Set<Integer> taken) {
    for (int i = 0; i < 1000; i++) {
      int p = forkFreePort();
      if (taken.add(p)) {
        return p;
      }
    }
    throw new IllegalStateException("no distinct free port after 1000 tries");
  }

  /**
   * A free port of this fork's share. Failsafe runs the system test classes in {@code
   * ppruning.system.forks} JVMs at once (deploy/pom.xml), fork {@code ppruning.system.fork} = 1..N.
   * Ports are free ones below the kernel's ephemeral range ({@link #ephemeralRange}), split into N
   * disjoint shares by {@link #portFork}, so that one fork never takes a port another has chosen
   * but not bound yet, or left free while its broker is stopped (BrokerOutageIT). Without the
   * properties (one JVM) every free port is ours.
   */
  static int forkFreePort() {
    int forks = Integer.getInteger("ppruning.system.forks", 1);
    int fork = Integer.getInteger("ppruning.system.fork", 1);
    if (forks < 1 || fork < 1 || fork > forks) {
      throw new IllegalStateException(
          "ppruning.system.fork must be in 1..ppruning.system.forks, not " + fork + " of " + forks);
    }
    int[] ephemeral = ephemeralRange();
    int high = ephemeral[0] - 1;
    boolean below = high - LOWEST_PORT >= 2000;
    for (int i = 0; i < 10_000; i++) {
      int p =
          below
              ? ThreadLocalRandom.current().nextInt(LOWEST_PORT, high + 1)
              : Ports.freePort(); // no room below the ephemeral range: the kernel's free ports
      if (portFork(p, forks) == fork && (!below || Ports.isFree(p))) {
        return p;
      }
    }
    throw new IllegalStateException(
        "no free port of fork " + fork + " of " + forks + " after 10,000 tries");
  }

  /** The lowest port a test listens on (below: well-known and registered services). */
  private static final int LOWEST_PORT = 20_000;

  /**
   * The kernel's ephemeral port range ({@code ip_local_port_range}), from which it gives outgoing
   * connections their local port. A test listener restarted on its port (a broker after an outage,
   * a service after a kill) must sit below it: an outgoing connection, of any process, that took
   * the port while the listener was down blocks its bind() (BrokerOutageIT once failed so).
   */
  static int[] ephemeralRange() {
    try {
      String[] f =
          Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
      return new int[] {Integer.parseInt(f[0]), Integer.parseInt(f[1])};
    } catch (IOException | RuntimeException e) {
      return new int[] {32768, 60999}; // Linux's default
    }
  }

  /**
   * The fork (1..forks) a port belongs to: pairs of ports (2k+1, 2k+2) go round the forks, so a
   * broker's client port (odd, see freePortOptions) and its controller port (+1) belong to the same
   * fork.
   */
  static int portFork(int port, int forks) {
    return ((port - 1) / 2) % forks + 1;
  }

  /** The checkout (failsafe sets ppruning.project.dir to the deploy module's parent). */
  public static Path projectDir() {
    return LocalRuntime.findProjectDir();
  }

  /** A new directory under ppruning.system.run-root (else target/system-runs). */
  public static Path newRunDir() throws IOException {
    Path root = Path.of(System.getProperty("ppruning.system.run-root", "target/system-runs"));
    Files.createDirectories(root);
    return Files.createTempDirectory(root.toAbsolutePath(), "run-");
  }

  /** {@code up} with this harness' options; idempotent like the command. */
  public RuntimeStatus up() throws IOException {
    started = runtime.up(options, System.err);
    return started;
  }

  /**
   * {@code up} with the broker of its own not started: the services start against its port and this
   * returns once each answers HTTP (not ready); {@link #startBroker} starts the broker.
   */
  public RuntimeStatus upBeforeBroker() throws IOException {
    if (options.bootstrap() != null) {
      throw new IllegalStateException(
          "upBeforeBroker needs a broker of its own, not " + options.bootstrap());
    }
    started = runtime.up(options.withBrokerLater(true), System.err);
    return started;
  }

  /** Starts the broker of its own (kafka.sh start), with the data, topics and offsets it had. */
  public void startBroker() throws IOException {
    runtime.startBroker(System.err);
  }

  /** Stops the broker of its own (kafka.sh stop) and keeps its data: a broker outage. */
  public void stopBroker() throws IOException {
    runtime.stopBroker(System.err);
  }

  public LocalRuntime runtime() {
    return runtime;
  }

  public UpOptions options() {
    return options;
  }

  public RuntimeStatus status() throws IOException {
    return runtime.status();
  }

  /** The bootstrap servers the services use. */
  public String bootstrap() {
    return options.effectiveBootstrap();
  }

  public int httpPort(Service s) {
    return options.httpPorts().get(s);
  }

  /** The finetuner's gRPC port. */
  public int grpcPort() {
    return options.grpcPort();
  }

  /** {@code http://127.0.0.1:PORT} of a service. */
  public URI http(Service s) {
    return URI.create("http://127.0.0.1:" + httpPort(s));
  }

  public Path runDir() {
    return runtime.runDir();
  }

  /**
   * Starts one more instance of {@code s} ({@link LocalRuntime#startExtra}) on a free port with
   * this harness' broker and JVM options plus {@code jvmOptions}, and waits until it is ready;
   * {@link #close} stops it.
   */
  public Extra startExtra(Service s, String name, List<String> jvmOptions) throws IOException {
    List<String> jvm = new ArrayList<>(options.jvmOptions());
    jvm.addAll(jvmOptions);
    int port = forkFreePort();
    Process p = runtime.startExtra(s, name, port, bootstrap(), jvm);
    Extra e = new Extra(name, p, port);
    extras.add(e);
    runtime.awaitReady(name, p, port, READY_TIMEOUT);
    return e;
  }

  /** {@code down}: stops every process of the run directory (and a broker of its own). */
  public Map<String, String> down() throws IOException {
    for (Extra e : extras) {
      Processes.stop(e.process().pid(), runtime.markers(e.name()), Duration.ofSeconds(30));
    }
    extras.clear();
    return runtime.down(Duration.ofSeconds(30), System.err);
  }

  @Override
  public void close() throws IOException {
    down();
  }
}
