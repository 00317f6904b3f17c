package org.ppruning.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka-free parts of up/down/status: options, command lines, port refusal, pid-file checks.
 */
class LocalRuntimeTest {
  @TempDir Path tmp;
  Path project;
  Path runDir;

  @BeforeEach
  void checkout() throws Exception {
    project = tmp.resolve("checkout");
    Files.createDirectories(project.resolve("deploy/kafka"));
    Files.createDirectories(project.resolve("core"));
    Files.writeString(project.resolve("deploy/kafka/kafka.sh"), "#!/bin/sh\nexit 99\n");
    runDir = tmp.resolve("run");
  }

  private static UpOptions options(
      int profiler, int pruner, int finetuner, int grpc, String bootstrap) {
    Map<Service, Integer> http = new EnumMap<>(Service.class);
    http.put(Service.PROFILER, profiler);
    http.put(Service.PRUNER, pruner);
    http.put(Service.FINETUNER, finetuner);
    return UpOptions.defaults().withPorts(19393, http, grpc).withBootstrap(bootstrap);
  }

  @Test
  void serviceCommandLine() {
    LocalRuntime rt = new LocalRuntime(project, runDir);
    List<String> cmd =
        rt.serviceCommand(
            Service.FINETUNER,
            18383,
            18390,
            "127.0.0.1:19393",
            List.of("-Xmx4g", "-Dkafka.security.protocol=SSL"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    assertEquals(
        List.of(
            java,
            "-Dppruning.local.service=finetuner",
            "-Dppruning.local.run-dir=" + runDir,
            "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
            "-XX:+ExitOnOutOfMemoryError",
            "-Dppruning.finetuner.work-dir=" + runDir.resolve("finetuner"),
            "-Xmx4g",
            "-Dkafka.security.protocol=SSL",
            "-Dquarkus.http.port=18383",
            "-Dquarkus.grpc.server.port=18390",
            "-Dkafka.bootstrap.servers=127.0.0.1:19393",
            "-jar",
            project.resolve("finetuner/target/quarkus-app/quarkus-run.jar").toString()),
        cmd);
    assertFalse(
        rt.serviceCommand(Service.PROFILER, 1, null, "b:1", List.of()).stream()
            .anyMatch(a -> a.startsWith("-Dquarkus.grpc")));
    assertEquals(runDir.resolve("logs/pruner.log"), rt.log(Service.PRUNER));
  }

  @Test
  void optionsRejectWhatUpSetsItselfAndBadValues() {
    UpOptions d = UpOptions.defaults();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> d.withJvmOptions(List.of("-Dquarkus.http.port=1")));
    assertTrue(
        e.getMessage().startsWith("'-Dquarkus.http.port=1' sets quarkus.http.port"),
        e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> d.withJvmOptions(List.of("-Dkafka.bootstrap.servers=x:1")));
    assertEquals(
        "--bootstrap must be HOST:PORT[,HOST:PORT...], not 'localhost'",
        assertThrows(IllegalArgumentException.class, () -> d.withBootstrap("localhost"))
            .getMessage());
    d.withBootstrap("kafka-1:9093,kafka-2:9093");
    assertThrows(IllegalArgumentException.class, () -> d.withTimeout(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> options(8081, 8082, 8083, 0, null));
    assertEquals("127.0.0.1:9092", d.effectiveBootstrap());
  }

  @Test
  void theBrokerStartedLaterIsTheRunDirectorysOwnAndOnlyItIsStoppedOrStarted() throws Exception {
    UpOptions d = UpOptions.defaults();
    assertEquals(
        "a broker started later is the run directory's own; not with --bootstrap kafka-1:9093",
        assertThrows(
                IllegalArgumentException.class,
                () -> d.withBrokerLater(true).withBootstrap("kafka-1:9093"))
            .getMessage());
    assertTrue(d.withBrokerLater(true).brokerLater());
    assertFalse(d.brokerLater());

    LocalRuntime rt = new LocalRuntime(project, runDir);
    assertEquals(
        "cannot stop the broker: nothing was started in " + rt.runDir(),
        assertThrows(IllegalStateException.class, () -> rt.stopBroker(quiet())).getMessage());
    Files.createDirectories(rt.runDir());
    new BrokerRecord(false, "kafka-1:9093", 0).write(BrokerRecord.path(rt.runDir()));
    assertEquals(
        "cannot start the broker at kafka-1:9093: it is external (--bootstrap), not this run"
            + " directory's",
        assertThrows(IllegalStateException.class, () -> rt.startBroker(quiet())).getMessage());
  }

  @Test
  void aTakenPortIsRefusedByNameBeforeAnythingStarts() throws Exception {
    try (ServerSocket broker = new ServerSocket(0);
        ServerSocket holder = new ServerSocket(0)) {
      int taken = holder.getLocalPort();
      UpOptions o =
          options(
              Ports.freePort(),
              taken,
              Ports.freePort(),
              Ports.freePort(),
              "127.0.0.1:" + broker.getLocalPort());
      LocalRuntime rt = new LocalRuntime(project, runDir);
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> rt.up(o, quiet()));
      assertEquals(
          "port "
              + taken
              + " (pruner HTTP; --pruner-port) is already in use by another process"
              + " (sockets on it: LISTEN 1); not starting anything",
          e.getMessage());
      for (Service s : Service.values()) {
        assertFalse(Files.exists(PidFile.path(runDir, s)));
      }
      assertFalse(Files.exists(BrokerRecord.path(runDir)));
    }
  }

  @Test
  void aPortGivenTwiceIsRefused() throws Exception {
    try (ServerSocket broker = new ServerSocket(0)) {
      int p = Ports.freePort();
      UpOptions o =
          options(p, Ports.freePort(), Ports.freePort(), p, "127.0.0.1:" + broker.getLocalPort());
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> new LocalRuntime(project, runDir).up(o, quiet()));
      assertEquals(
          "port "
              + p
              + " is given twice (profiler HTTP; --profiler-port, and finetuner gRPC;"
              + " --grpc-port)",
          e.getMessage());
    }
  }

  @Test
  void anUnreachableBootstrapIsRefused() throws Exception {
    int closed = Ports.freePort();
    UpOptions o =
        options(
            Ports.freePort(),
            Ports.freePort(),
            Ports.freePort(),
            Ports.freePort(),
            "127.0.0.1:" + closed);
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> new LocalRuntime(project, runDir).up(o, quiet()));
    assertEquals(
        "the broker at 127.0.0.1:" + closed + " (--bootstrap) does not accept connections",
        e.getMessage());
  }

  @Test
  void aPidFileOfAnotherProcessIsNeitherRunningNorSignalled() throws Exception {
    // A live JVM carrying another run directory's markers stands for a reused pid.
    Process other =
        SignalTarget.start(
            false,
            "-Dppruning.local.service=pruner",
            "-Dppruning.local.run-dir=" + tmp.resolve("elsewhere"));
    try {
      LocalRuntime rt = new LocalRuntime(project, runDir);
      Files.createDirectories(runDir);
      new PidFile(
              "pruner",
              other.pid(),
              18382,
              null,
              "127.0.0.1:1",
              rt.log(Service.PRUNER).toString(),
              "t")
          .write(PidFile.path(runDir, Service.PRUNER));
      new BrokerRecord(false, "127.0.0.1:1", 0).write(BrokerRecord.path(runDir));
      RuntimeStatus st = rt.status();
      RuntimeStatus.ServiceStatus pruner = st.services().get(Service.PRUNER);
      assertFalse(pruner.running());
      assertEquals(other.pid(), pruner.pid());
      assertEquals(Health.UNREACHABLE, pruner.health());
      assertFalse(st.services().get(Service.PROFILER).running());
      assertEquals(null, st.services().get(Service.PROFILER).pid());
      assertFalse(st.broker().managed());
      assertFalse(st.broker().running(), "nothing listens on 127.0.0.1:1");
      Map<String, Object> json = st.toJson();
      assertEquals(List.of("broker", "services", "runDir"), List.copyOf(json.keySet()));
      @SuppressWarnings("unchecked")
      Map<String, Map<String, Object>> svcs =
          (Map<String, Map<String, Object>>) json.get("services");
      assertEquals(List.of("profiler", "pruner", "finetuner"), List.copyOf(svcs.keySet()));
      assertEquals(
          List.of("running", "pid", "port", "health", "log"),
          List.copyOf(svcs.get("pruner").keySet()));
      assertEquals(
          List.of("running", "pid", "port", "grpcPort", "health", "log"),
          List.copyOf(svcs.get("finetuner").keySet()));
      assertEquals("unreachable", svcs.get("pruner").get("health"));

      Map<String, String> down = rt.down(Duration.ofSeconds(1), quiet());
      assertEquals("not running", down.get("pruner"));
      assertEquals("external (not touched)", down.get("broker"));
      Thread.sleep(300);
      assertTrue(other.isAlive(), "down signalled a process that is not this run directory's");
      assertFalse(
          Files.exists(PidFile.path(runDir, Service.PRUNER)), "the stale pid file is removed");
      assertEquals(
          Map.of(
              "profiler",
              "not running",
              "pruner",
              "not running",
              "finetuner",
              "not running",
              "broker",
              "not running"),
          rt.down(Duration.ofSeconds(1), quiet()));
    } finally {
      other.destroyForcibly().waitFor();
    }
  }

  @Test
  void downStopsAServiceWithoutPidFileThatCarriesTheMarkers() throws Exception {
    LocalRuntime rt = new LocalRuntime(project, runDir);
    Files.createDirectories(runDir);
    Process orphan = SignalTarget.start(false, rt.markers(Service.PROFILER).toArray(String[]::new));
    Map<String, String> down = rt.down(Duration.ofSeconds(20), quiet());
    assertEquals("terminated", down.get("profiler"));
    orphan.waitFor();
    assertFalse(orphan.isAlive());
  }

  @Test
  void aServiceThatExitsIsNamedWithItsLogAndNothingIsLeft() throws Exception {
    // A broken build: the java launcher refuses the jar and exits with 1.
    for (Service s : Service.values()) {
      Files.createDirectories(s.jar(project).getParent());
      Files.writeString(s.jar(project), "not a jar");
    }
    try (ServerSocket broker = new ServerSocket(0)) {
      UpOptions o =
          options(
                  Ports.freePort(),
                  Ports.freePort(),
                  Ports.freePort(),
                  Ports.freePort(),
                  "127.0.0.1:" + broker.getLocalPort())
              .withBuild(false);
      LocalRuntime rt = new LocalRuntime(project, runDir);
      ByteArrayOutputStream progress = new ByteArrayOutputStream();
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class, () -> rt.up(o, new PrintStream(progress, true)));
      assertEquals(
          "profiler exited with code 1 before it was ready (log: " + rt.log(Service.PROFILER) + ")",
          e.getMessage());
      String out = progress.toString();
      assertTrue(
          out.contains("  | Error: Invalid or corrupt jarfile " + Service.PROFILER.jar(project)),
          out);
      assertTrue(out.contains("stopping what this call started"), out);
      for (Service s : Service.values()) {
        assertFalse(Files.exists(PidFile.path(runDir, s)), s.id() + " pid file left");
      }
      // Only the one named is sure to have written its error: the others may be stopped first.
      assertTrue(
          Files.readString(rt.log(Service.PROFILER)).contains("corrupt jarfile"), "profiler log");
      assertEquals(List.of(), Processes.withArgument(rt.markers(Service.PROFILER).get(1)));
    }
  }

  @Test
  void tailKeepsTheLastLines() throws Exception {
    Path log = tmp.resolve("x.log");
    Files.writeString(log, "a\nb\nc\nd\n");
    assertEquals(List.of("c", "d"), LocalRuntime.tail(log, 2));
    assertEquals(List.of("a", "b", "c", "d"), LocalRuntime.tail(log, 10));
    assertEquals(List.of(), LocalRuntime.tail(tmp.resolve("none.log"), 10));
  }

  private static PrintStream quiet() {
    return new PrintStream(new ByteArrayOutputStream());
  }
}
