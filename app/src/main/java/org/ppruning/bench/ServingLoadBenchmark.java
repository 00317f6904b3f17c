package org.ppruning.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.ppruning.data.Sample;
import org.ppruning.data.Split;
import org.ppruning.data.Tasks;
import org.ppruning.demo.InferenceClient;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TransformerModel;
import org.ppruning.local.Health;
import org.ppruning.local.LocalRuntime;
import org.ppruning.local.Ports;
import org.ppruning.local.Processes;
import org.ppruning.local.Service;
import org.ppruning.stream.ModelRepository;
import org.ppruning.tokenize.TextTokenizer;

/**
 * Serving under load (issue 17), run by {@code bench/serving-load}: the packaged finetuner started
 * as serving-only processes ({@link LocalRuntime#startExtra}, training off) on a fresh repository
 * of real fine-tuned MiniLM sentiment versions, and {@link LoadClients} sending Predict and
 * Classify.
 *
 * <ol>
 *   <li><b>swaps</b>: one process, N clients for 4 phases; at the start of phases 2-4 a new version
 *       is written into the repository (copied into a temporary folder beside it, then renamed:
 *       {@link ModelRepository#write}), alternately the 50%-pruned and the unpruned model, and the
 *       process swaps it in on its next scan.
 *   <li><b>restart</b>: two processes on the same repository behind one address ({@link
 *       RoundRobinProxy}); clients retry UNAVAILABLE once. One process is {@code kill -9}'d and
 *       started again, then the other is stopped with SIGTERM and started again.
 * </ol>
 *
 * <p>Arguments: {@code UNPRUNED_DIR PRUNED_DIR [--clients 8] [--seconds 20] [--part
 * all|swaps|restart] [--out FILE] [-Dkey=value ...]}; {@code -D} options go to the finetuner JVMs
 * (e.g. limits).
 */
public final class ServingLoadBenchmark {
  static final String TASK = "sentiment";

  private final LocalRuntime runtime;
  private final Path repo;
  private final List<String> serverOptions;
  private final PrintStream log = System.err;

  /** A serving process: its name, ports and the process. */
  record Server(String name, int http, int grpc, Process process) {}

  private ServingLoadBenchmark(LocalRuntime runtime, Path repo, List<String> serverOptions) {
    this.runtime = runtime;
    this.repo = repo;
    this.serverOptions = serverOptions;
  }

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
    Path project = LocalRuntime.findProjectDir();
    Path runRoot = project.resolve("app/target/serving-load");
    Files.createDirectories(runRoot);
    Path runDir = Files.createTempDirectory(runRoot, "run-");
    ServingLoadBenchmark b =
        new ServingLoadBenchmark(
            new LocalRuntime(project, runDir), runDir.resolve("repo"), serverOptions);
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
    b.write(1, unpruned);
    if (!part.equals("restart")) {
      lines.addAll(b.swaps(clients, seconds, texts, tok, unpruned, pruned));
    }
    if (!part.equals("swaps")) {
      lines.addAll(b.restarts(clients, seconds, texts, tok));
    }
    lines.add("/proc/loadavg at the end: " + loadavg());
    if (out != null) {
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.write(out, lines);
    }
    lines.forEach(System.out::println);
  }

  /** Part 1: one process, three swaps under load. */
  private List<String> swaps(
      int clients, int seconds, List<String> texts, TextTokenizer tok, Path unpruned, Path pruned)
      throws Exception {
    Server s = start("serving-1", Ports.freePort(), Ports.freePort());
    List<String> lines = new ArrayList<>();
    try {
      awaitServed(s, 1);
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
          write(v, v % 2 == 0 ? pruned : unpruned);
          events.add(
              String.format(
                  Locale.ROOT,
                  "- %.1f s: wrote version %d (%.1f s to copy and rename)",
                  (w0 - t0) / 1e9,
                  v,
                  (System.nanoTime() - w0) / 1e9));
          name = "writing " + name;
        }
        sleepUntil(start + seconds * 1_000_000_000L);
        long end = System.nanoTime();
        phases.add(new LoadReport.Phase(name, start, end));
        start = end;
      }
      List<LoadClients.Call> calls = load.stop();
      lines.add("");
      lines.add(
          "## Part 1: "
              + clients
              + " clients, one serving process, versions 2-4 written under load");
      lines.add("");
      lines.addAll(LoadReport.table(calls, phases));
      lines.add("");
      lines.addAll(events);
      for (int v = 2; v <= 4; v++) {
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
                () -> lines.add("- version " + version + " never answered"));
      }
      lines.addAll(swapLog(s.name()));
      lines.addAll(LoadReport.failures(calls));
    } finally {
      stop(s, Duration.ofSeconds(30));
    }
    return lines;
  }

  /**
   * Part 2: two processes behind one address, one kill -9'd, the other SIGTERM'd, each restarted.
   */
  private List<String> restarts(int clients, int seconds, List<String> texts, TextTokenizer tok)
      throws Exception {
    List<Server> servers = new ArrayList<>();
    servers.add(start("serving-a", Ports.freePort(), Ports.freePort()));
    servers.add(start("serving-b", Ports.freePort(), Ports.freePort()));
    List<String> lines = new ArrayList<>();
    try (RoundRobinProxy proxy =
        RoundRobinProxy.start(
            List.of(servers.get(0).grpc(), servers.get(1).grpc()),
            i -> Health.ready(servers.get(i).http()) == Health.UP)) {
      for (Server s : servers) {
        awaitServed(s, 1);
      }
      LoadClients load = new LoadClients("127.0.0.1", proxy.port(), TASK, texts, tok, true);
      List<LoadReport.Phase> phases = new ArrayList<>();
      List<String> events = new ArrayList<>();
      long t0 = System.nanoTime();
      load.start(clients);
      sleepUntil(t0 + seconds * 1_000_000_000L);
      long start = System.nanoTime();
      phases.add(new LoadReport.Phase("both serving", t0, start));
      for (int k = 1; k >= 0; k--) { // b is killed first, then a
        boolean kill = k == 1;
        Server old = servers.get(k);
        long s0 = System.nanoTime();
        String how;
        if (kill) {
          old.process().destroyForcibly(); // SIGKILL
          old.process().waitFor();
          how = "kill -9";
        } else {
          Processes.Stopped st =
              Processes.stop(
                  old.process().pid(), runtime.markers(old.name()), Duration.ofSeconds(30));
          how = "SIGTERM (" + st + ")";
        }
        long gone = System.nanoTime();
        Server again = start(old.name(), old.http(), old.grpc());
        servers.set(k, again);
        awaitServed(again, 1);
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
        sleepUntil(ready + seconds * 1_000_000_000L);
        start = System.nanoTime();
        phases.add(new LoadReport.Phase("after " + old.name() + "'s restart", ready, start));
      }
      List<LoadClients.Call> calls = load.stop();
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
    } finally {
      for (Server s : servers) {
        stop(s, Duration.ofSeconds(30));
      }
    }
    return lines;
  }

  private Server start(String name, int http, int grpc) throws IOException {
    List<String> jvm = new ArrayList<>();
    jvm.add("-Dppruning.finetuner.training.enabled=false");
    jvm.add("-Dppruning.finetuner.serving.repository=" + repo);
    jvm.add("-Dppruning.finetuner.serving.scan-interval=1s");
    jvm.add("-Dquarkus.grpc.server.port=" + grpc);
    jvm.addAll(serverOptions); // after the defaults above, so an option given wins
    // Training is off: the finetuner opens no Kafka client; the address is never used.
    Process p = runtime.startExtra(Service.FINETUNER, name, http, "127.0.0.1:9", jvm);
    runtime.awaitReady(name, p, http, Duration.ofSeconds(240));
    return new Server(name, http, grpc, p);
  }

  private void awaitServed(Server s, long version) throws InterruptedException {
    try (InferenceClient c = new InferenceClient("127.0.0.1", s.grpc())) {
      c.awaitServed(TASK, version, Duration.ofSeconds(120));
    }
  }

  private void stop(Server s, Duration grace) {
    Processes.stop(s.process().pid(), runtime.markers(s.name()), grace);
  }

  /** Writes version {@code v} as a copy of {@code from}: temporary folder beside, then rename. */
  private void write(long v, Path from) throws IOException {
    new ModelRepository(repo).write(TASK, v, dir -> copyTree(from, dir));
    log.printf(Locale.ROOT, "%s wrote version %d from %s%n", Instant.now(), v, from);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path t = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(t);
        } else {
          Files.copy(f, t);
        }
      }
    }
  }

  /** The process's own lines about swaps (loaded, warm-up, refused). */
  private List<String> swapLog(String name) throws IOException {
    try (Stream<String> l = Files.lines(runtime.log(name))) {
      return l.filter(x -> x.contains("serving " + TASK + " version") || x.contains("refused "))
          .map(x -> "- log: " + x.substring(Math.max(0, x.indexOf("serving " + TASK))))
          .toList();
    }
  }

  private static void sleepUntil(long nanos) throws InterruptedException {
    long left = nanos - System.nanoTime();
    if (left > 0) {
      Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
    }
  }

  private static String loadavg() throws IOException {
    return Files.readString(Path.of("/proc/loadavg")).trim();
  }
}
