package org.ppruning.local;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Starts, stops and inspects the local runtime of one run directory: a Kafka broker (through
 * deploy/kafka/kafka.sh, or an existing one) and the profiler, pruner and finetuner as detached
 * JVMs. {@code bin/ppruning up/down/status} and the system tests' harness both use this class.
 *
 * <p>Only processes whose command line carries this run directory's markers ({@code
 * -Dppruning.local.service=NAME -Dppruning.local.run-dir=DIR}) are ever signalled; the broker is
 * stopped by kafka.sh, which checks its own pid file the same way.
 */
public final class LocalRuntime {
  /** Log lines shown when a service fails to start. */
  static final int TAIL_LINES = 40;

  private final Path projectDir;
  private final Path runDir;

  /**
   * @param projectDir the ppruning checkout (holds deploy/kafka/kafka.sh and the service modules)
   * @param runDir where pid files, logs, work directories and a managed broker's data go
   */
  public LocalRuntime(Path projectDir, Path runDir) {
    this.projectDir = projectDir.toAbsolutePath().normalize();
    this.runDir = realIfExists(runDir.toAbsolutePath().normalize());
    if (!Files.isRegularFile(this.projectDir.resolve("deploy/kafka/kafka.sh"))) {
      throw new IllegalArgumentException(
          "not a ppruning checkout (no deploy/kafka/kafka.sh): " + this.projectDir);
    }
  }

  /**
   * kafka.sh resolves symbolic links in its data path; so do we, so that command lines compare
   * equal.
   */
  static Path realIfExists(Path p) {
    try {
      return Files.exists(p) ? p.toRealPath() : p;
    } catch (IOException e) {
      return p;
    }
  }

  /**
   * The ppruning checkout: the system property {@code ppruning.project.dir}, else the checkout
   * these classes were loaded from (app/target/classes), else the working directory or a parent of
   * it that holds deploy/kafka/kafka.sh.
   */
  public static Path findProjectDir() {
    String prop = System.getProperty("ppruning.project.dir");
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop);
    }
    List<Path> starts = new ArrayList<>();
    try {
      starts.add(
          Path.of(LocalRuntime.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
    } catch (Exception e) {
      // no code source (unusual class loader): fall back to the working directory
    }
    starts.add(Path.of("").toAbsolutePath());
    for (Path start : starts) {
      for (Path d = start; d != null; d = d.getParent()) {
        if (Files.isRegularFile(d.resolve("deploy/kafka/kafka.sh"))
            && Files.isDirectory(d.resolve("core"))) {
          return d;
        }
      }
    }
    throw new IllegalStateException(
        "cannot find the ppruning checkout (a folder with deploy/kafka/kafka.sh) from "
            + starts
            + "; set -Dppruning.project.dir");
  }

  public Path runDir() {
    return runDir;
  }

  public Path projectDir() {
    return projectDir;
  }

  /** {@code RUN_DIR/logs/<service>.log}. */
  public Path log(Service s) {
    return log(s.id());
  }

  /** {@code RUN_DIR/logs/<instance>.log} of a service or of an extra instance. */
  public Path log(String instance) {
    return runDir.resolve("logs").resolve(instance + ".log");
  }

  /** {@code RUN_DIR/<service>}: the service's work directory. */
  public Path workDir(Service s) {
    return runDir.resolve(s.id());
  }

  /** The arguments that identify a service of this run directory in its command line. */
  public List<String> markers(Service s) {
    return markers(s.id());
  }

  /**
   * The markers of a service ({@link Service#id}) or of an extra instance ({@link #startExtra}).
   */
  public List<String> markers(String instance) {
    return List.of("-Dppruning.local.service=" + instance, "-Dppruning.local.run-dir=" + runDir);
  }

  /** The command line of a service JVM (without the setsid prefix). */
  List<String> serviceCommand(
      Service s, int httpPort, Integer grpcPort, String bootstrap, List<String> jvmOptions) {
    return serviceCommand(s, s.id(), httpPort, grpcPort, bootstrap, jvmOptions);
  }

  private List<String> serviceCommand(
      Service s,
      String instance,
      int httpPort,
      Integer grpcPort,
      String bootstrap,
      List<String> jvmOptions) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(markers(instance));
    // JavaCPP's physical-memory guard rejects BERT-sized models (see docs/architecture.md).
    cmd.add("-Dorg.bytedeco.javacpp.maxPhysicalBytes=0");
    cmd.add("-XX:+ExitOnOutOfMemoryError");
    cmd.add("-D" + s.workDirKey() + "=" + runDir.resolve(instance));
    cmd.addAll(jvmOptions); // after the defaults above, so a user's -D wins
    cmd.add("-Dquarkus.http.port=" + httpPort);
    if (grpcPort != null) {
      cmd.add("-Dquarkus.grpc.server.port=" + grpcPort);
    }
    cmd.add("-Dkafka.bootstrap.servers=" + bootstrap);
    cmd.add("-jar");
    cmd.add(s.jar(projectDir).toString());
    return cmd;
  }

  // --- status ------------------------------------------------------------------------------------

  /** The state of the broker and of every service, with their health. */
  public RuntimeStatus status() throws IOException {
    Optional<BrokerRecord> rec = BrokerRecord.read(BrokerRecord.path(runDir));
    RuntimeStatus.BrokerStatus broker;
    if (rec.isPresent() && !rec.get().managed()) {
      String first = rec.get().bootstrap().split(",")[0];
      int colon = first.lastIndexOf(':');
      int port = Integer.parseInt(first.substring(colon + 1));
      boolean answers = Ports.answers(first.substring(0, colon), port, 2000);
      broker =
          new RuntimeStatus.BrokerStatus(
              false,
              answers,
              null,
              port,
              rec.get().bootstrap(),
              answers ? Health.UP : Health.UNREACHABLE,
              null);
    } else {
      int port = rec.map(BrokerRecord::port).orElse(0);
      Broker b = port > 0 ? new Broker(projectDir, runDir, port) : null;
      OptionalLong pid = b == null ? OptionalLong.empty() : b.pid();
      Health h = pid.isPresent() ? b.health() : Health.UNREACHABLE;
      broker =
          new RuntimeStatus.BrokerStatus(
              true,
              pid.isPresent(),
              pid.isPresent() ? pid.getAsLong() : null,
              port > 0 ? port : null,
              rec.map(BrokerRecord::bootstrap).orElse(null),
              h,
              runDir.resolve("kafka/kafka.log"));
    }
    Map<Service, RuntimeStatus.ServiceStatus> services = new EnumMap<>(Service.class);
    for (Service s : Service.values()) {
      Optional<PidFile> pf = PidFile.read(PidFile.path(runDir, s));
      if (pf.isEmpty()) {
        services.put(
            s,
            new RuntimeStatus.ServiceStatus(false, null, null, null, Health.UNREACHABLE, log(s)));
        continue;
      }
      PidFile p = pf.get();
      boolean running = Processes.runsWith(p.pid(), markers(s));
      services.put(
          s,
          new RuntimeStatus.ServiceStatus(
              running,
              p.pid(),
              p.httpPort(),
              p.grpcPort(),
              running ? Health.ready(p.httpPort()) : Health.UNREACHABLE,
              Path.of(p.log())));
    }
    return new RuntimeStatus(runDir, broker, services);
  }

  // --- up ----------------------------------------------------------------------------------------

  /**
   * Starts what is not running yet and waits until every service is ready; idempotent. Refuses
   * (before starting anything) a taken port, naming it. On a failure it names the service, prints
   * the end of its log to {@code progress}, stops what this call started and throws.
   */
  public RuntimeStatus up(UpOptions o, PrintStream progress) throws IOException {
    Files.createDirectories(runDir.resolve("logs"));
    try (RunDirLock lock = RunDirLock.acquire(runDir)) {
      return upLocked(o, progress);
    }
  }

  private RuntimeStatus upLocked(UpOptions o, PrintStream progress) throws IOException {
    String bootstrap = o.effectiveBootstrap();
    // What already runs, and whether it matches what is asked.
    Map<Service, PidFile> running = new EnumMap<>(Service.class);
    Set<Integer> released = new HashSet<>(); // ports of this run's services that died
    for (Service s : Service.values()) {
      Optional<PidFile> pf = PidFile.read(PidFile.path(runDir, s));
      if (pf.isPresent() && Processes.runsWith(pf.get().pid(), markers(s))) {
        PidFile p = pf.get();
        Integer grpc = s.hasGrpc() ? o.grpcPort() : null;
        if (p.httpPort() != o.httpPorts().get(s)
            || !java.util.Objects.equals(p.grpcPort(), grpc)
            || !p.bootstrap().equals(bootstrap)) {
          throw new IllegalStateException(
              s.id()
                  + " (pid "
                  + p.pid()
                  + ") already runs on port "
                  + p.httpPort()
                  + (p.grpcPort() == null ? "" : " (gRPC " + p.grpcPort() + ")")
                  + " with broker "
                  + p.bootstrap()
                  + ", not as asked (port "
                  + o.httpPorts().get(s)
                  + (grpc == null ? "" : ", gRPC " + grpc)
                  + ", broker "
                  + bootstrap
                  + "); run 'ppruning down --run-dir "
                  + runDir
                  + "' first");
        }
        running.put(s, p);
      } else if (pf.isPresent()) {
        Files.delete(PidFile.path(runDir, s)); // stale: its process is gone
        released.add(pf.get().httpPort());
        if (pf.get().grpcPort() != null) {
          released.add(pf.get().grpcPort());
        }
      }
    }
    Optional<BrokerRecord> oldBroker = BrokerRecord.read(BrokerRecord.path(runDir));
    Broker broker = o.bootstrap() == null ? new Broker(projectDir, runDir, o.kafkaPort()) : null;
    if (oldBroker.isPresent()
        && oldBroker.get().managed()
        && !oldBroker.get().bootstrap().equals(bootstrap)
        && new Broker(projectDir, runDir, oldBroker.get().port()).pid().isPresent()) {
      throw new IllegalStateException(
          "this run directory's broker runs on "
              + oldBroker.get().bootstrap()
              + ", not "
              + bootstrap
              + "; run 'ppruning down --run-dir "
              + runDir
              + "' first");
    }
    boolean startBroker = broker != null && broker.pid().isEmpty();

    List<Service> toStart = new ArrayList<>();
    for (Service s : Service.values()) {
      if (!running.containsKey(s)) {
        toStart.add(s);
      }
    }
    checkPorts(o, toStart, startBroker, released, progress);
    if (o.bootstrap() != null) {
      String first = o.bootstrap().split(",")[0];
      int colon = first.lastIndexOf(':');
      if (!Ports.answers(
          first.substring(0, colon), Integer.parseInt(first.substring(colon + 1)), 5000)) {
        throw new IllegalStateException(
            "the broker at " + first + " (--bootstrap) does not accept connections");
      }
    }
    if (toStart.isEmpty() && !startBroker) {
      progress.println("ppruning up: everything already runs (" + runDir + ")");
      return status();
    }
    if (!toStart.isEmpty()) {
      ensureBuilt(toStart, o.build(), progress);
    }

    Started started = new Started();
    Thread hook = new Thread(() -> started.stopAll(progress, "interrupted"), "ppruning-up-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      if (broker != null && o.brokerLater()) {
        progress.println(
            "ppruning up: the Kafka broker (127.0.0.1:"
                + o.kafkaPort()
                + ") is not started now: the services start without it");
      } else if (broker != null) {
        if (startBroker) {
          progress.println("ppruning up: starting the Kafka broker on 127.0.0.1:" + o.kafkaPort());
          started.broker = broker;
        }
        broker.start(progress); // idempotent; also checks that a running one is on this port
      }
      new BrokerRecord(broker != null, bootstrap, broker != null ? o.kafkaPort() : 0)
          .write(BrokerRecord.path(runDir));
      long t0 = System.nanoTime();
      Map<Service, Process> procs = new LinkedHashMap<>();
      for (Service s : toStart) {
        Integer grpc = s.hasGrpc() ? o.grpcPort() : null;
        Process p = startService(s, o.httpPorts().get(s), grpc, bootstrap, o.jvmOptions());
        started.services.push(new Object[] {s, p.pid()});
        new PidFile(
                s.id(),
                p.pid(),
                o.httpPorts().get(s),
                grpc,
                bootstrap,
                log(s).toString(),
                Instant.now().toString())
            .write(PidFile.path(runDir, s));
        procs.put(s, p);
        progress.println(
            "ppruning up: started "
                + s.id()
                + " (pid "
                + p.pid()
                + ", port "
                + o.httpPorts().get(s)
                + (grpc == null ? "" : ", gRPC " + grpc)
                + ", log "
                + log(s)
                + ")");
      }
      awaitReady(procs, o, t0, progress, started);
      started.clear();
    } catch (RuntimeException | IOException e) {
      started.stopAll(progress, "failed");
      throw e;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is exiting: the hook runs
      }
    }
    return status();
  }

  /**
   * Refuses ports that something else holds. A port of a service of this run directory whose
   * process died (kill -9, a crash) may stay held for a while by the dead process's connections
   * closing down; those ports get {@link #RELEASE_WAIT} to come free first.
   */
  private void checkPorts(
      UpOptions o,
      List<Service> toStart,
      boolean startBroker,
      Set<Integer> released,
      PrintStream progress) {
    Map<Integer, String> wanted = new LinkedHashMap<>();
    if (startBroker) {
      want(wanted, o.kafkaPort(), "Kafka broker; --kafka-port");
      want(wanted, o.kafkaPort() + 1, "Kafka controller: --kafka-port + 1");
    }
    for (Service s : toStart) {
      want(wanted, o.httpPorts().get(s), s.id() + " HTTP; --" + s.id() + "-port");
      if (s.hasGrpc()) {
        want(wanted, o.grpcPort(), s.id() + " gRPC; --grpc-port");
      }
    }
    for (var e : wanted.entrySet()) {
      if (released.contains(e.getKey()) && !Ports.isFree(e.getKey())) {
        progress.println(
            "ppruning up: port "
                + e.getKey()
                + " ("
                + e.getValue()
                + ") is still held"
                + " after its previous process died; waiting up to "
                + RELEASE_WAIT.toSeconds()
                + " s");
        Ports.awaitFree(e.getKey(), RELEASE_WAIT);
      }
      Ports.requireFree(e.getKey(), e.getValue(), "");
    }
  }

  /** How long a dead service's port may take to come free before {@code up} gives up. */
  static final Duration RELEASE_WAIT = Duration.ofSeconds(90);

  private static void want(Map<Integer, String> wanted, int port, String what) {
    String other = wanted.putIfAbsent(port, what);
    if (other != null) {
      throw new IllegalArgumentException(
          "port " + port + " is given twice (" + other + ", and " + what + ")");
    }
  }

  private void ensureBuilt(List<Service> services, boolean build, PrintStream progress)
      throws IOException {
    List<String> reasons = new ArrayList<>();
    for (Service s : services) {
      BuildCheck.staleReason(s.jar(projectDir), s.sources(projectDir)).ifPresent(reasons::add);
    }
    if (reasons.isEmpty()) {
      return;
    }
    if (!build) {
      for (Service s : services) {
        if (!Files.isRegularFile(s.jar(projectDir))) {
          throw new IllegalStateException(
              s.jar(projectDir)
                  + " is missing: build the services first"
                  + " (bin/mvn -B -DskipTests package -pl profiler,pruner,finetuner -am)");
        }
      }
      progress.println(
          "ppruning up: warning: not rebuilding although "
              + reasons.get(0)
              + (reasons.size() > 1 ? " (and " + (reasons.size() - 1) + " more)" : ""));
      return;
    }
    progress.println("ppruning up: building the services (" + reasons.get(0) + ") ...");
    List<String> cmd =
        List.of(
            projectDir.resolve("bin/mvn").toString(),
            "-q",
            "-B",
            "-DskipTests",
            "package",
            "-pl",
            "profiler,pruner,finetuner",
            "-am");
    int code = runForwarding(cmd, progress);
    if (code != 0) {
      throw new IllegalStateException(
          "building the services failed (exit " + code + "): " + String.join(" ", cmd));
    }
    for (Service s : services) {
      Path jar = s.jar(projectDir);
      if (!Files.isRegularFile(jar)) {
        throw new IllegalStateException("the build finished but " + jar + " is missing");
      }
    }
  }

  private int runForwarding(List<String> cmd, PrintStream progress) throws IOException {
    Process p =
        new ProcessBuilder(cmd).directory(projectDir.toFile()).redirectErrorStream(true).start();
    p.getOutputStream().close();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        progress.println(line);
      }
      return p.waitFor();
    } catch (InterruptedException e) {
      p.destroy();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + cmd.get(0), e);
    }
  }

  /**
   * Starts one more instance of {@code s} from the same packaged jar, named {@code name} (its
   * markers, work directory {@code RUN_DIR/<name>} and log {@code logs/<name>.log}), e.g. a second
   * profiler in the same consumer group. Unlike the services of {@link #up}, it has no pid file:
   * {@code status} and {@code down} do not see it, the caller waits for it and stops it ({@link
   * Processes#stop} with {@link #markers(String)}).
   */
  public Process startExtra(
      Service s, String name, int httpPort, String bootstrap, List<String> jvmOptions)
      throws IOException {
    for (Service other : Service.values()) {
      if (other.id().equals(name)) {
        throw new IllegalArgumentException(
            "an extra instance cannot be named like the service " + name);
      }
    }
    return startService(s, name, httpPort, null, bootstrap, jvmOptions);
  }

  /**
   * Waits until an instance started by {@link #startExtra} answers ready on {@code httpPort};
   * throws, naming it and its log, if it exits first or is not ready within {@code timeout}.
   */
  public void awaitReady(String name, Process p, int httpPort, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (Health.ready(httpPort) != Health.UP) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException(
            name
                + (p.isAlive() ? " not ready after " + timeout : " exited")
                + "; log "
                + log(name));
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + name, ex);
      }
    }
  }

  private Process startService(
      Service s, int httpPort, Integer grpcPort, String bootstrap, List<String> jvmOptions)
      throws IOException {
    return startService(s, s.id(), httpPort, grpcPort, bootstrap, jvmOptions);
  }

  private Process startService(
      Service s,
      String instance,
      int httpPort,
      Integer grpcPort,
      String bootstrap,
      List<String> jvmOptions)
      throws IOException {
    Files.createDirectories(runDir.resolve(instance));
    Path log = log(instance);
    Files.createDirectories(log.getParent()); // startExtra without up
    if (Files.exists(log)) {
      Files.move(
          log, log.resolveSibling(log.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
    }
    List<String> cmd = new ArrayList<>();
    // Own session: a Ctrl-C or hang-up in the terminal that ran 'up' does not reach the services.
    if (onPath("setsid")) {
      cmd.add("setsid");
    }
    cmd.addAll(serviceCommand(s, instance, httpPort, grpcPort, bootstrap, jvmOptions));
    return new ProcessBuilder(cmd)
        .directory(runDir.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectErrorStream(true)
        .start();
  }

  private static boolean onPath(String exe) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, exe))) {
        return true;
      }
    }
    return false;
  }

  private void awaitReady(
      Map<Service, Process> procs, UpOptions o, long t0, PrintStream progress, Started started)
      throws IOException {
    Map<Service, Process> pending = new LinkedHashMap<>(procs);
    Map<Service, Health> last = new EnumMap<>(Service.class);
    long deadline = t0 + o.timeout().toNanos();
    long nextReport = System.nanoTime() + 10_000_000_000L;
    while (!pending.isEmpty()) {
      for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
        var e = it.next();
        Service s = e.getKey();
        if (!e.getValue().isAlive()) {
          fail(
              s, "exited with code " + e.getValue().exitValue() + " before it was ready", progress);
        }
        Health h = Health.ready(o.httpPorts().get(s));
        last.put(s, h);
        if (h == Health.UP || (o.brokerLater() && h == Health.DOWN)) {
          progress.printf(
              "ppruning up: %s %s on port %d (%.1f s)%n",
              s.id(),
              h == Health.UP ? "ready" : "answers (not ready: no broker yet)",
              o.httpPorts().get(s),
              (System.nanoTime() - t0) / 1e9);
          it.remove();
        }
      }
      if (pending.isEmpty()) {
        break;
      }
      long now = System.nanoTime();
      if (now - deadline >= 0) {
        Service s = pending.keySet().iterator().next();
        fail(
            s,
            "not ready after "
                + o.timeout().toSeconds()
                + " s (health: "
                + last.get(s).label()
                + ")",
            progress);
      }
      if (now - nextReport >= 0) {
        List<String> waiting = new ArrayList<>();
        pending.keySet().forEach(s -> waiting.add(s.id() + " (" + last.get(s).label() + ")"));
        progress.printf(
            "ppruning up: waiting for %s, %.0f s of %d s%n",
            String.join(", ", waiting), (now - t0) / 1e9, o.timeout().toSeconds());
        nextReport = now + 10_000_000_000L;
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the services", ex);
      }
    }
  }

  private void fail(Service s, String what, PrintStream progress) throws IOException {
    progress.println("ppruning up: " + s.id() + " " + what + "; last lines of " + log(s) + ":");
    for (String line : tail(log(s), TAIL_LINES)) {
      progress.println("  | " + line);
    }
    throw new IllegalStateException(s.id() + " " + what + " (log: " + log(s) + ")");
  }

  /** The last {@code n} lines of a file (all of them if it is shorter; none if it is missing). */
  static List<String> tail(Path file, int n) throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    Deque<String> lines = new ArrayDeque<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
      for (String line; (line = r.readLine()) != null; ) {
        lines.addLast(line);
        if (lines.size() > n) {
          lines.removeFirst();
        }
      }
    }
    return new ArrayList<>(lines);
  }

  /** What one {@code up} call started, so that a failure (or Ctrl-C) stops exactly that. */
  private final class Started {
    final Deque<Object[]> services = new ArrayDeque<>();
    Broker broker;

    synchronized void clear() {
      services.clear();
      broker = null;
    }

    synchronized void stopAll(PrintStream progress, String why) {
      if (services.isEmpty() && broker == null) {
        return;
      }
      progress.println("ppruning up: " + why + "; stopping what this call started");
      while (!services.isEmpty()) {
        Object[] sp = services.pop();
        Service s = (Service) sp[0];
        Processes.stop((Long) sp[1], markers(s), Duration.ofSeconds(10));
        try {
          Files.deleteIfExists(PidFile.path(runDir, s));
        } catch (IOException e) {
          progress.println(
              "ppruning up: cannot remove " + PidFile.path(runDir, s) + ": " + e.getMessage());
        }
      }
      if (broker != null) {
        broker.stop(progress);
        try {
          Files.deleteIfExists(BrokerRecord.path(runDir));
        } catch (IOException e) {
          progress.println(
              "ppruning up: cannot remove " + BrokerRecord.path(runDir) + ": " + e.getMessage());
        }
        broker = null;
      }
    }
  }

  // --- the broker alone
  // ---------------------------------------------------------------------------

  /**
   * Starts this run directory's own broker (kafka.sh start) with the data it had: after {@link
   * #stopBroker}, or after an {@code up} with {@link UpOptions#brokerLater}. Idempotent.
   */
  public void startBroker(PrintStream progress) throws IOException {
    Files.createDirectories(runDir);
    try (RunDirLock lock = RunDirLock.acquire(runDir)) {
      ownBroker("start").start(progress);
    }
  }

  /**
   * Stops this run directory's own broker (kafka.sh stop) and keeps its data, topics and offsets:
   * the services keep running without it, as in a broker outage. Idempotent.
   */
  public void stopBroker(PrintStream progress) throws IOException {
    Files.createDirectories(runDir);
    try (RunDirLock lock = RunDirLock.acquire(runDir)) {
      ownBroker("stop").stop(progress);
    }
  }

  private Broker ownBroker(String what) throws IOException {
    BrokerRecord rec =
        BrokerRecord.read(BrokerRecord.path(runDir))
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "cannot " + what + " the broker: nothing was started in " + runDir));
    if (!rec.managed()) {
      throw new IllegalStateException(
          "cannot "
              + what
              + " the broker at "
              + rec.bootstrap()
              + ": it is external (--bootstrap), not this run directory's");
    }
    return new Broker(projectDir, runDir, rec.port());
  }

  // --- down --------------------------------------------------------------------------------------

  /**
   * Stops this run directory's services (SIGTERM, SIGKILL after {@code grace}) and a broker that
   * {@code up} started, removes their pid files; idempotent. Never signals a process whose command
   * line does not carry this run directory's markers, and never an external broker.
   *
   * @return per component (service ids, then "broker"): terminated, killed, not running, stopped,
   *     or external (not touched)
   */
  public Map<String, String> down(Duration grace, PrintStream progress) throws IOException {
    Files.createDirectories(runDir);
    try (RunDirLock lock = RunDirLock.acquire(runDir)) {
      Map<String, String> out = new LinkedHashMap<>();
      List<String> problems = new ArrayList<>();
      List<Service> order = new ArrayList<>(List.of(Service.values()));
      java.util.Collections.reverse(order);
      for (Service s : order) {
        Path file = PidFile.path(runDir, s);
        Optional<PidFile> pf;
        try {
          pf = PidFile.read(file);
        } catch (IOException e) {
          problems.add(e.getMessage());
          out.put(s.id(), "unknown (unreadable pid file)");
          continue;
        }
        String result = "not running";
        if (pf.isPresent()) {
          long t0 = System.nanoTime();
          Processes.Stopped st = Processes.stop(pf.get().pid(), markers(s), grace);
          result = st.name().toLowerCase().replace('_', ' ');
          if (st != Processes.Stopped.NOT_RUNNING) {
            progress.printf(
                "ppruning down: %s %s (pid %d, %.1f s)%n",
                s.id(), result, pf.get().pid(), (System.nanoTime() - t0) / 1e9);
          }
          Files.deleteIfExists(file);
        }
        // A service started without its pid file being written (a crash mid-'up') still carries
        // the markers: stop it as well.
        for (long pid : Processes.withArgument(markers(s).get(1))) {
          if (Processes.runsWith(pid, markers(s))) {
            Processes.Stopped st = Processes.stop(pid, markers(s), grace);
            progress.println(
                "ppruning down: "
                    + s.id()
                    + " without pid file "
                    + st.name().toLowerCase()
                    + " (pid "
                    + pid
                    + ")");
            result = st.name().toLowerCase();
          }
        }
        out.put(s.id(), result);
      }
      Optional<BrokerRecord> rec;
      try {
        rec = BrokerRecord.read(BrokerRecord.path(runDir));
      } catch (IOException e) {
        problems.add(e.getMessage());
        rec = Optional.empty();
      }
      if (rec.isPresent() && !rec.get().managed()) {
        out.put("broker", "external (not touched)");
      } else {
        String result = "not running";
        // kafka.sh finds its pid through the data directory; the port only names the config.
        Broker b = new Broker(projectDir, runDir, rec.map(BrokerRecord::port).orElse(9092));
        if (Files.isDirectory(runDir.resolve("kafka")) && b.pid().isPresent()) {
          b.stop(progress);
          result = "stopped";
        }
        out.put("broker", result);
      }
      Files.deleteIfExists(BrokerRecord.path(runDir));
      if (!problems.isEmpty()) {
        throw new IllegalStateException(String.join("; ", problems));
      }
      return out;
    }
  }

  /** One up/down at a time per run directory (an OS file lock, released if the JVM dies). */
  private static final class RunDirLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private RunDirLock(FileChannel channel, FileLock lock) {
      this.channel = channel;
      this.lock = lock;
    }

    static RunDirLock acquire(Path runDir) throws IOException {
      Path file = runDir.resolve(".lock");
      FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (java.nio.channels.OverlappingFileLockException e) {
        l = null;
      }
      if (l == null) {
        ch.close();
        throw new IllegalStateException("another 'ppruning up' or 'down' is running on " + runDir);
      }
      return new RunDirLock(ch, l);
    }

    @Override
    public void close() throws IOException {
      lock.release();
      channel.close();
    }
  }
}
