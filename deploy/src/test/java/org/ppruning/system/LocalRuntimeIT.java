package org.ppruning.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ppruning.local.Health;
import org.ppruning.local.LocalRuntime;
import org.ppruning.local.PidFile;
import org.ppruning.local.Ports;
import org.ppruning.local.Processes;
import org.ppruning.local.RuntimeStatus;
import org.ppruning.local.Service;
import org.ppruning.local.UpOptions;

/**
 * {@code ppruning up/status/down} end to end, through {@link LocalSystem}: the three packaged
 * services as real processes against a real broker.
 */
class LocalRuntimeIT {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void upStatusKillDownAgainstTheTestBroker() throws Exception {
    String testBroker = System.getProperty("kafka.bootstrap.servers");
    assertNotNull(
        testBroker, "kafka.bootstrap.servers is not set: run through failsafe (bin/mvn verify)");
    LocalSystem sys = LocalSystem.start(testBroker, List.of());
    String runDirMarker = "-Dppruning.local.run-dir=" + sys.runDir();
    try {
      RuntimeStatus st = sys.status();
      assertTrue(st.allUp(), st.toText());
      assertFalse(st.broker().managed(), "given --bootstrap, up must not start a broker");
      assertEquals(testBroker, st.broker().bootstrap());
      for (Service s : Service.values()) {
        RuntimeStatus.ServiceStatus ss = st.services().get(s);
        assertTrue(ss.running(), s + ": " + st.toText());
        assertEquals(Health.UP, ss.health(), s.id());
        assertEquals(sys.httpPort(s), ss.port(), s.id());
        assertEquals(s.hasGrpc() ? sys.grpcPort() : null, ss.grpcPort(), s.id());
        assertEquals(sys.runtime().log(s), ss.log());
        assertTrue(Files.size(ss.log()) > 0, "empty log " + ss.log());
        // The pid is the service JVM itself, given our ports, broker and work dir.
        List<String> cmd = Processes.commandLine(ss.pid()).orElseThrow();
        assertTrue(cmd.containsAll(sys.runtime().markers(s)), cmd.toString());
        assertTrue(cmd.contains("-Dquarkus.http.port=" + sys.httpPort(s)), cmd.toString());
        assertTrue(cmd.contains("-Dkafka.bootstrap.servers=" + testBroker), cmd.toString());
        assertTrue(
            cmd.contains("-D" + s.workDirKey() + "=" + sys.runtime().workDir(s)), cmd.toString());
        assertEquals(200, get(sys.http(s).resolve("/q/health/live")), s.id() + " liveness");
        assertEquals(200, get(sys.http(s).resolve("/q/metrics")), s.id() + " metrics");
        // Readiness checks the work dir: the service created it under the run dir.
        assertTrue(
            Files.isDirectory(sys.runtime().workDir(s)), sys.runtime().workDir(s).toString());
      }
      assertTrue(
          Ports.answers("127.0.0.1", sys.grpcPort(), 2000),
          "finetuner gRPC port " + sys.grpcPort());
      assertEquals(3, Processes.withArgument(runDirMarker).size());

      // A second up with the same options starts nothing.
      RuntimeStatus again = sys.up();
      for (Service s : Service.values()) {
        assertEquals(st.services().get(s).pid(), again.services().get(s).pid(), s.id());
      }

      // kill -9 the pruner: status shows it as not running, the others keep running.
      long prunerPid = st.services().get(Service.PRUNER).pid();
      assertEquals(0, new ProcessBuilder("kill", "-9", Long.toString(prunerPid)).start().waitFor());
      RuntimeStatus afterKill = awaitNotRunning(sys, Service.PRUNER);
      assertEquals(
          prunerPid,
          afterKill.services().get(Service.PRUNER).pid(),
          "the pid file is kept for status");
      assertEquals(Health.UNREACHABLE, afterKill.services().get(Service.PRUNER).health());
      assertFalse(afterKill.allUp());
      assertTrue(afterKill.services().get(Service.PROFILER).running());
      assertTrue(afterKill.services().get(Service.FINETUNER).running());

      // down stops the two left, reports the dead one, never touches the external broker.
      Map<String, String> down = sys.down();
      assertEquals("not running", down.get("pruner"), down.toString());
      assertTrue(List.of("terminated", "killed").contains(down.get("profiler")), down.toString());
      assertTrue(List.of("terminated", "killed").contains(down.get("finetuner")), down.toString());
      assertEquals("external (not touched)", down.get("broker"));
      assertEquals(
          List.of(), Processes.withArgument(runDirMarker), "stray processes of " + sys.runDir());
      for (Service s : Service.values()) {
        assertFalse(Files.exists(PidFile.path(sys.runDir(), s)), s.id() + " pid file left");
        assertFalse(
            Processes.commandLine(st.services().get(s).pid()).isPresent(), s.id() + " still runs");
        assertFalse(Ports.answers("127.0.0.1", sys.httpPort(s), 500), s.id() + " port still open");
      }
      assertTrue(
          Ports.answers("127.0.0.1", Integer.parseInt(testBroker.split(":")[1]), 2000),
          "down must leave the test broker alone");
      RuntimeStatus afterDown = sys.status();
      assertTrue(
          afterDown.services().values().stream().noneMatch(RuntimeStatus.ServiceStatus::running));

      // A second down is a no-op (the first one removed the broker record too).
      Map<String, String> second = sys.down();
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
          second);
    } finally {
      sys.close();
    }
  }

  @Test
  void ownBrokerIsStartedAndStoppedWithTheServices() throws Exception {
    LocalSystem sys = LocalSystem.start(null, List.of("-Xmx1g"));
    try {
      RuntimeStatus st = sys.status();
      assertTrue(st.allUp(), st.toText());
      assertTrue(st.broker().managed());
      long brokerPid = st.broker().pid();
      assertEquals(sys.options().kafkaPort(), st.broker().port());
      assertEquals("127.0.0.1:" + sys.options().kafkaPort(), st.broker().bootstrap());
      assertTrue(Processes.commandLine(brokerPid).orElseThrow().contains("kafka.Kafka"));
      assertTrue(Files.size(sys.runDir().resolve("kafka/kafka.log")) > 0);
      for (Service s : Service.values()) {
        assertTrue(
            Processes.commandLine(st.services().get(s).pid()).orElseThrow().contains("-Xmx1g"),
            s.id());
      }

      // A broker restarted after an outage whose controller port an outgoing connection took
      // meanwhile (as the kernel does with ephemeral ports): refused by name, then started.
      sys.stopBroker();
      int controller = sys.options().kafkaPort() + 1;
      try (ServerSocket peer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
          Socket client = new Socket()) {
        client.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), controller));
        client.connect(peer.getLocalSocketAddress());
        IllegalStateException e = assertThrows(IllegalStateException.class, sys::startBroker);
        assertTrue(
            e.getMessage()
                .contains(
                    "port "
                        + controller
                        + " (controller) is the local end of an open connection, so the broker"
                        + " could not bind it"),
            e.getMessage());
      }
      sys.startBroker();
      RuntimeStatus restarted = sys.status();
      assertEquals(Health.UP, restarted.broker().health(), restarted.toText());
      brokerPid = restarted.broker().pid();

      Map<String, String> down = sys.down();
      assertEquals("stopped", down.get("broker"), down.toString());
      assertFalse(
          Processes.commandLine(brokerPid).isPresent(), "broker pid " + brokerPid + " still runs");
      assertEquals(List.of(), Processes.withArgument("-Dppruning.local.run-dir=" + sys.runDir()));
      assertFalse(
          Ports.answers("127.0.0.1", sys.options().kafkaPort(), 500), "broker port still open");
      RuntimeStatus after = sys.status();
      assertFalse(after.broker().running());
      assertEquals("not running", sys.down().get("broker"));
    } finally {
      sys.close();
    }
  }

  @Test
  void aTakenPortIsNamedAndNothingStarts() throws Exception {
    String testBroker = System.getProperty("kafka.bootstrap.servers");
    UpOptions free = LocalSystem.freePortOptions(testBroker);
    try (ServerSocket holder = new ServerSocket(0)) {
      int taken = holder.getLocalPort();
      Map<Service, Integer> http = new EnumMap<>(free.httpPorts());
      http.put(Service.PRUNER, taken);
      UpOptions o = free.withPorts(free.kafkaPort(), http, free.grpcPort());
      Path runDir = LocalSystem.newRunDir();
      LocalRuntime rt = new LocalRuntime(LocalSystem.projectDir(), runDir);
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> rt.up(o, System.err));
      assertTrue(e.getMessage().contains("port " + taken + " (pruner HTTP"), e.getMessage());
      for (Service s : Service.values()) {
        assertFalse(Files.exists(PidFile.path(runDir, s)), s.id() + " was started");
      }
      assertEquals(List.of(), Processes.withArgument("-Dppruning.local.run-dir=" + rt.runDir()));
    }
  }

  @Test
  void servicesNotReadyInTimeAreStoppedAndNamed() throws Exception {
    String testBroker = System.getProperty("kafka.bootstrap.servers");
    // Quarkus with TensorFlow cannot be ready within a second: the timeout path with live JVMs.
    UpOptions o = LocalSystem.freePortOptions(testBroker).withTimeout(Duration.ofSeconds(1));
    LocalRuntime rt = new LocalRuntime(LocalSystem.projectDir(), LocalSystem.newRunDir());
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> rt.up(o, new PrintStream(progress, true)));
    assertTrue(e.getMessage().startsWith("profiler not ready after 1 s (health: "), e.getMessage());
    assertTrue(
        progress.toString().contains("stopping what this call started"), progress.toString());
    assertEquals(List.of(), Processes.withArgument("-Dppruning.local.run-dir=" + rt.runDir()));
    for (Service s : Service.values()) {
      assertFalse(Files.exists(PidFile.path(rt.runDir(), s)), s.id() + " pid file left");
      assertFalse(
          Ports.answers("127.0.0.1", o.httpPorts().get(s), 500), s.id() + " port still open");
    }
  }

  private static RuntimeStatus awaitNotRunning(LocalSystem sys, Service s) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      RuntimeStatus st = sys.status();
      if (!st.services().get(s).running()) {
        return st;
      }
      assertTrue(
          System.nanoTime() < deadline,
          s.id() + " still running 10 s after kill -9: " + st.toText());
      Thread.sleep(100);
    }
  }

  private static int get(URI uri) throws IOException, InterruptedException {
    return HTTP.send(
            HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
