package org.ppruning.pruner;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged pruner ({@code target/quarkus-app/quarkus-run.jar}, built in the package phase
 * before failsafe runs) as a child process with its own HTTP port, for integration tests.
 */
final class PrunerApp implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  final int port;
  final Path log;
  private final Process process;

  private PrunerApp(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts the app with {@code ppruning.pruner.*} settings (keys without the prefix). */
  static PrunerApp start(Map<String, String> settings, Path log) throws IOException {
    Path jar = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();
    assertTrue(Files.isRegularFile(jar), jar + " missing: run through `bin/mvn verify`");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx3g", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
        "-Dquarkus.http.port=" + port,
        "-Dkafka.bootstrap.servers=" + System.getProperty("kafka.bootstrap.servers")));
    settings.forEach((k, v) -> cmd.add("-Dppruning.pruner." + k + "=" + v));
    cmd.add("-jar");
    cmd.add(jar.toString());
    Files.createDirectories(log.getParent());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    PrunerApp app = new PrunerApp(p, port, log);
    app.awaitReady(Duration.ofMinutes(3));
    return app;
  }

  private void awaitReady(Duration max) throws IOException {
    long end = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < end) {
      if (!process.isAlive()) {
        fail("pruner exited with " + process.exitValue() + "; log " + log + ":\n" + tail());
      }
      try {
        if (get("/q/health/ready").statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      sleep(250);
    }
    fail("pruner not ready within " + max + "; log " + log + ":\n" + tail());
  }

  HttpResponse<String> get(String path) throws IOException {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** A metric's value from /q/metrics (Prometheus text), NaN if absent. */
  double metric(String name, String labels) throws IOException {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$")
        .matcher(get("/q/metrics").body());
    while (m.find()) {
      if (m.group(1).contains(labels)) {
        return Double.parseDouble(m.group(2));
      }
    }
    return Double.NaN;
  }

  /** Waits until the samples gauge of {@code task} satisfies {@code until}; returns it. */
  long awaitSamples(String task, LongPredicate until, Duration max) throws IOException {
    long end = System.nanoTime() + max.toNanos();
    double v = Double.NaN;
    while (System.nanoTime() < end) {
      v = metric("ppruning_pruner_samples", "task=\"" + task + "\"");
      if (!Double.isNaN(v) && until.test((long) v)) {
        return (long) v;
      }
      if (!process.isAlive()) {
        fail("pruner died; log " + log + ":\n" + tail());
      }
      sleep(100);
    }
    fail("samples of " + task + " stayed at " + v + " for " + max + "; log:\n" + tail());
    return -1;
  }

  /** kill -9: no shutdown hook runs, nothing is flushed or checkpointed. */
  void kill9() throws InterruptedException {
    process.destroyForcibly(); // SIGKILL on Linux
    process.waitFor();
  }

  String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy(); // SIGTERM: graceful shutdown with a final checkpoint
      if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
