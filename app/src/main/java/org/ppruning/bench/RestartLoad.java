package org.ppruning.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.ppruning.local.Health;
import org.ppruning.local.Ports;
import org.ppruning.tokenize.TextTokenizer;

/**
 * Part 2 of {@link ServingLoadBenchmark}: two serving processes on the same repository behind one
 * address ({@link RoundRobinProxy}), clients that retry UNAVAILABLE once; one process is {@code
 * kill -9}'d and started again on its ports, then the other is stopped with SIGTERM and started
 * again, each followed by a phase with both serving.
 */
final class RestartLoad {
  private final ServingFleet fleet;
  private final String task;
  private final List<String> texts;
  private final TextTokenizer tok;

  RestartLoad(ServingFleet fleet, String task, List<String> texts, TextTokenizer tok) {
    this.fleet = fleet;
    this.task = task;
    this.texts = texts;
    this.tok = tok;
  }

  /** Runs the part; adds its requests to {@code all}, returns its report lines. */
  List<String> run(int clients, int seconds, List<LoadClients.Call> all) throws Exception {
    long phase = seconds * 1_000_000_000L;
    List<ServingFleet.Server> servers = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    try {
      servers.add(fleet.start("serving-a", Ports.freePort(), Ports.freePort()));
      servers.add(fleet.start("serving-b", Ports.freePort(), Ports.freePort()));
      try (RoundRobinProxy proxy =
          RoundRobinProxy.start(
              List.of(servers.get(0).grpc(), servers.get(1).grpc()),
              i -> Health.ready(servers.get(i).http()) == Health.UP)) {
        for (ServingFleet.Server s : servers) {
          fleet.awaitServed(s, 1);
        }
        LoadClients load = new LoadClients("127.0.0.1", proxy.port(), task, texts, tok, true);
        List<LoadReport.Phase> phases = new ArrayList<>();
        List<String> events = new ArrayList<>();
        long t0 = System.nanoTime();
        load.start(clients);
        ServingFleet.sleepUntil(t0 + phase);
        long start = System.nanoTime();
        phases.add(new LoadReport.Phase("both serving", t0, start));
        for (int k = 1; k >= 0; k--) { // b is killed first, then a is stopped
          ServingFleet.Server old = servers.get(k);
          long s0 = System.nanoTime();
          String how;
          if (k == 1) {
            old.process().destroyForcibly(); // SIGKILL
            old.process().waitFor();
            how = "kill -9";
          } else {
            how = "SIGTERM (" + fleet.stop(old, Duration.ofSeconds(30)) + ")";
          }
          long gone = System.nanoTime();
          ServingFleet.Server again = fleet.start(old.name(), old.http(), old.grpc());
          servers.set(k, again);
          fleet.awaitServed(again, 1);
          long ready = System.nanoTime();
          events.add(
              String.format(
                  Locale.ROOT,
                  "- %.1f s: %s %s; gone after %.1f s, started again and serving after %.1f s more",
                  (s0 - t0) / 1e9,
                  how,
                  old.name(),
                  (gone - s0) / 1e9,
                  (ready - gone) / 1e9));
          phases.add(new LoadReport.Phase(how + " " + old.name() + ", restart", start, ready));
          ServingFleet.sleepUntil(ready + phase);
          start = System.nanoTime();
          phases.add(new LoadReport.Phase("after " + old.name() + "'s restart", ready, start));
        }
        List<LoadClients.Call> calls = load.stop();
        all.addAll(calls);
        lines.add("");
        lines.add(
            "## Part 2: "
                + clients
                + " clients retrying UNAVAILABLE once, two serving processes behind one address");
        lines.add("");
        lines.addAll(LoadReport.table(calls, phases));
        lines.add("");
        lines.addAll(events);
        lines.add(
            "- proxy: connections per backend (a, b) "
                + proxy.connections()
                + ", refused for want of a ready backend "
                + proxy.refused());
        lines.addAll(LoadReport.failures(calls));
      }
    } finally {
      for (ServingFleet.Server s : servers) {
        fleet.stop(s, Duration.ofSeconds(30));
      }
    }
    return lines;
  }
}
