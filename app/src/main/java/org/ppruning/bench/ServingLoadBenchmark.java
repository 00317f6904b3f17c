package org.ppruning.bench;

import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.ppruning.data.Sample;
import org.ppruning.data.Split;
import org.ppruning.data.Tasks;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TransformerModel;
import org.ppruning.local.LocalRuntime;
import org.ppruning.local.Ports;
import org.ppruning.stream.ModelRepository;
import org.ppruning.tokenize.TextTokenizer;

/**
 * Serving under load (issue 17), run by {@code bench/serving-load}: the packaged finetuner started
 * as serving-only processes ({@link ServingFleet}, training off) on a fresh repository of real
 * fine-tuned MiniLM sentiment versions, and {@link LoadClients} sending Predict and Classify.
 *
 * <ol>
 *   <li><b>swaps</b>: one process, N clients for 4 phases; at the start of phases 2-4 a new version
 *       is written into the repository (copied into a temporary folder beside it, then renamed:
 *       {@link ModelRepository#write}), alternately the 50%-pruned and the unpruned model, and the
 *       process swaps it in on its next scan.
 *   <li><b>restart</b>: two processes on the same repository behind one address ({@link
 *       RoundRobinProxy}); clients retry UNAVAILABLE once. One process is {@code kill -9}'d and
 *       started again, then the other is stopped with SIGTERM and started again ({@link
 *       RestartLoad}).
 * </ol>
 *
 * <p>Arguments: {@code UNPRUNED_DIR PRUNED_DIR [--clients 8] [--seconds 20] [--part
 * all|swaps|restart] [--out FILE] [-Dkey=value ...]}; {@code -D} options go to the finetuner JVMs
 * (e.g. limits).
 */
public final class ServingLoadBenchmark {
  static final String TASK = "sentiment";

  private ServingLoadBenchmark() {}

  /** Runs the bench; see the class comment for the arguments. */
  public static void main(String[] args) throws Exception {
    Path unpruned = Path.of(args[0]);
    Path pruned = Path.of(args[1]);
    int clients = 8;
    int seconds = 20;
    String part = "all";
    Path out = null;
    List<String> serverOptions = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      switch (args[i]) {
        case "--clients" -> clients = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--part" -> part = args[++i];
        case "--out" -> out = Path.of(args[++i]);
        default -> {
          if (!args[i].startsWith("-D")) {
            throw new IllegalArgumentException(
                "unknown argument '" + args[i] + "' (--clients, --seconds, --part, --out, -Dk=v)");
          }
          serverOptions.add(args[i]);
        }
      }
    }
    if (!List.of("all", "swaps", "restart").contains(part)) {
      throw new IllegalArgumentException("--part '" + part + "': all, swaps or restart");
    }
    Path project = LocalRuntime.findProjectDir();
    Path runRoot = project.resolve("app/target/serving-load");
    Files.createDirectories(runRoot);
    Path runDir = Files.createTempDirectory(runRoot, "run-");
    ServingFleet fleet =
        new ServingFleet(
            new LocalRuntime(project, runDir), runDir.resolve("repo"), TASK, serverOptions);
    List<String> texts =
        Tasks.samples(
                TASK,
                Split.DEV,
                ArtifactCache.fromEnvironment(System.getenv(), System.getProperties()),
                System.err)
            .stream()
            .map(Sample::text)
            .toList();
    TextTokenizer tok =
        TextTokenizer.load(unpruned.resolve("assets").resolve(TransformerModel.TOKENIZER_ASSET));
    List<String> lines = new ArrayList<>();
    lines.add(
        String.format(
            Locale.ROOT,
            "# bench/serving-load: %d clients, %d s phases, %d dev sentences, %d cores, run %s;"
                + " server options %s; /proc/loadavg at start: %s",
            clients,
            seconds,
            texts.size(),
            Runtime.getRuntime().availableProcessors(),
            runDir,
            serverOptions,
            loadavg()));
    List<LoadClients.Call> all = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    fleet.write(1, unpruned);
    if (!part.equals("restart")) {
      lines.addAll(swaps(fleet, clients, seconds, texts, tok, unpruned, pruned, all, problems));
    }
    if (!part.equals("swaps")) {
      lines.addAll(new RestartLoad(fleet, TASK, texts, tok).run(clients, seconds, all));
    }
    long failed = all.stream().filter(c -> c.code() != Status.Code.OK).count();
    lines.add("");
    problems.forEach(p -> lines.add("- " + p));
    lines.add(
        failed + " of " + all.size() + " requests failed; /proc/loadavg at the end: " + loadavg());
    if (out != null) {
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.write(out, lines);
    }
    lines.forEach(System.out::println);
    System.exit(failed == 0 && problems.isEmpty() ? 0 : 1);
  }

  /** Part 1: one process, versions 2-4 written while the clients run (three swaps). */
  private static List<String> swaps(
      ServingFleet fleet,
      int clients,
      int seconds,
      List<String> texts,
      TextTokenizer tok,
      Path unpruned,
      Path pruned,
      List<LoadClients.Call> all,
      List<String> problems)
      throws Exception {
    ServingFleet.Server s = fleet.start("serving-1", Ports.freePort(), Ports.freePort());
    List<String> lines = new ArrayList<>();
    try {
      fleet.awaitServed(s, 1);
      LoadClients load = new LoadClients("127.0.0.1", s.grpc(), TASK, texts, tok, false);
      List<LoadReport.Phase> phases = new ArrayList<>();
      List<String> events = new ArrayList<>();
      long t0 = System.nanoTime();
      load.start(clients);
      long start = t0;
      for (int v = 1; v <= 4; v++) {
        String name = "version " + v + (v % 2 == 0 ? " (pruned)" : " (unpruned)");
        if (v > 1) {
          long w0 = System.nanoTime();
          fleet.write(v, v % 2 == 0 ? pruned : unpruned);
          events.add(
              String.format(
                  Locale.ROOT,
                  "- %.1f s: wrote version %d (%.1f s to copy and rename)",
                  (w0 - t0) / 1e9,
                  v,
                  (System.nanoTime() - w0) / 1e9));
          name = "writing " + name;
        }
        ServingFleet.sleepUntil(start + seconds * 1_000_000_000L);
        long end = System.nanoTime();
        phases.add(new LoadReport.Phase(name, start, end));
        start = end;
      }
      List<LoadClients.Call> calls = load.stop();
      all.addAll(calls);
      lines.add("");
      lines.add(
          "## Part 1: "
              + clients
              + " clients, one serving process, versions 2-4 written under load");
      lines.add("");
      lines.addAll(LoadReport.table(calls, phases));
      lines.add("");
      lines.addAll(events);
      for (long v = 2; v <= 4; v++) {
        long version = v;
        calls.stream()
            .filter(c -> c.version() == version)
            .mapToLong(LoadClients.Call::end)
            .min()
            .ifPresentOrElse(
                first ->
                    lines.add(
                        String.format(
                            Locale.ROOT,
                            "- %.1f s: first answer from version %d",
                            (first - t0) / 1e9,
                            version)),
                () -> problems.add("version " + version + " never answered in part 1"));
      }
      lines.addAll(fleet.swapLog(s.name()));
      lines.addAll(LoadReport.failures(calls));
    } finally {
      fleet.stop(s, Duration.ofSeconds(30));
    }
    return lines;
  }

  private static String loadavg() throws IOException {
    return Files.readString(Path.of("/proc/loadavg")).trim();
  }
}
