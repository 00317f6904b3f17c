package org.ppruning.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.ppruning.demo.InferenceClient;
import org.ppruning.local.LocalRuntime;
import org.ppruning.local.Processes;
import org.ppruning.local.Service;
import org.ppruning.stream.ModelRepository;

/**
 * The serving processes of {@link ServingLoadBenchmark}: the packaged finetuner started by {@link
 * LocalRuntime#startExtra} with training off, on one model repository that the bench writes
 * versions into.
 */
final class ServingFleet {
  /** A serving process: its name, ports and the process. */
  record Server(String name, int http, int grpc, Process process) {}

  private final LocalRuntime runtime;
  private final Path repo;
  private final String task;
  private final List<String> serverOptions;

  ServingFleet(LocalRuntime runtime, Path repo, String task, List<String> serverOptions) {
    this.runtime = runtime;
    this.repo = repo;
    this.task = task;
    this.serverOptions = List.copyOf(serverOptions);
  }

  /** Starts a serving process on the given ports and waits until it is ready. */
  Server start(String name, int http, int grpc) throws IOException {
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

  /** Waits until {@code s} answers with {@code version} (or later) of the task. */
  void awaitServed(Server s, long version) throws InterruptedException {
    try (InferenceClient c = new InferenceClient("127.0.0.1", s.grpc())) {
      c.awaitServed(task, version, Duration.ofSeconds(120));
    }
  }

  /** SIGTERM, then SIGKILL after {@code grace}. */
  Processes.Stopped stop(Server s, Duration grace) {
    return Processes.stop(s.process().pid(), runtime.markers(s.name()), grace);
  }

  /** Writes version {@code v} as a copy of {@code from}: temporary folder beside, then rename. */
  void write(long v, Path from) throws IOException {
    new ModelRepository(repo).write(task, v, dir -> copyTree(from, dir));
    System.err.printf(Locale.ROOT, "%s wrote version %d from %s%n", Instant.now(), v, from);
  }

  /** The process's own log lines about swaps (loaded, warm-up, refused). */
  List<String> swapLog(String name) throws IOException {
    String marker = "serving " + task + " version";
    try (Stream<String> l = Files.lines(runtime.log(name))) {
      return l.filter(x -> x.contains(marker) || x.contains("refused "))
          .map(x -> "- log: " + x.substring(Math.max(0, x.indexOf("serving " + task))))
          .toList();
    }
  }

  /** Sleeps until {@code System.nanoTime()} reaches {@code nanos}. */
  static void sleepUntil(long nanos) throws InterruptedException {
    long left = nanos - System.nanoTime();
    if (left > 0) {
      Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
    }
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
}
