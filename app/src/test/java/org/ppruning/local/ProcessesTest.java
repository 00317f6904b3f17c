package org.ppruning.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Command-line verification and stopping, on real child JVMs (no mocks). */
class ProcessesTest {
  private static final List<String> MARKERS =
      List.of("-Dppruning.local.service=pruner", "-Dppruning.local.run-dir=/tmp/processes-test");

  @Test
  void commandLineIsTheArgumentVector() throws Exception {
    Process p = SignalTarget.start(false, MARKERS.toArray(String[]::new));
    try {
      List<String> cmd = Processes.commandLine(p.pid()).orElseThrow();
      assertTrue(cmd.containsAll(MARKERS), cmd.toString());
      assertEquals(SignalTarget.class.getName(), cmd.get(cmd.size() - 1));
      assertTrue(Processes.runsWith(p.pid(), MARKERS));
      assertTrue(Processes.withArgument(MARKERS.get(1)).contains(p.pid()));
    } finally {
      p.destroyForcibly().waitFor();
    }
    assertFalse(Processes.commandLine(p.pid()).isPresent(), "an exited pid has no command line");
    assertFalse(Processes.runsWith(p.pid(), MARKERS));
  }

  @Test
  void stopNeverSignalsAProcessWithoutTheMarkers() throws Exception {
    // Same service, another run directory: a pid that is not ours.
    Process p =
        SignalTarget.start(
            false,
            "-Dppruning.local.service=pruner",
            "-Dppruning.local.run-dir=/tmp/another-run-dir");
    try {
      assertFalse(Processes.runsWith(p.pid(), MARKERS));
      assertEquals(
          Processes.Stopped.NOT_RUNNING, Processes.stop(p.pid(), MARKERS, Duration.ofSeconds(1)));
      Thread.sleep(300);
      assertTrue(p.isAlive(), "stop signalled a process without our markers");
    } finally {
      p.destroyForcibly().waitFor();
    }
  }

  @Test
  void stopTerminatesWithSigterm() throws Exception {
    Process p = SignalTarget.start(false, MARKERS.toArray(String[]::new));
    assertEquals(
        Processes.Stopped.TERMINATED, Processes.stop(p.pid(), MARKERS, Duration.ofSeconds(20)));
    p.waitFor();
    // A JVM ends on SIGTERM with 128 + 15.
    assertEquals(143, p.exitValue());
    assertEquals(
        Processes.Stopped.NOT_RUNNING, Processes.stop(p.pid(), MARKERS, Duration.ofSeconds(1)));
  }

  @Test
  void stopKillsAfterTheGracePeriod() throws Exception {
    Process p = SignalTarget.start(true, MARKERS.toArray(String[]::new));
    long t0 = System.nanoTime();
    assertEquals(
        Processes.Stopped.KILLED, Processes.stop(p.pid(), MARKERS, Duration.ofMillis(1500)));
    double seconds = (System.nanoTime() - t0) / 1e9;
    p.waitFor();
    assertEquals(137, p.exitValue(), "128 + SIGKILL");
    assertTrue(seconds >= 1.5, "SIGKILL came before the grace period ended: " + seconds + " s");
  }
}
