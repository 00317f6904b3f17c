package org.ppruning.testing;

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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A packaged service ({@code target/quarkus-app/quarkus-run.jar} of the module whose integration
 * tests run, built in the package phase before failsafe) as a child process with its own HTTP port,
 * so a test can read its metrics and kill it for real (SIGKILL: no shutdown hook runs).
 */
public final class ServiceProcess implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final String service;
  private final Process process;
  private final int port;
  private final Path log;

  private ServiceProcess(String service, Process process, int port, Path log) {
    this.service = service;
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /**
   * Starts the service (named in messages) with {@code heap} (a -Xmx option) and {@code props} as
   * system properties, output appended to {@code log}, and waits up to {@code ready} for its
   * readiness check.
   */
  public static ServiceProcess start(
      String service, String heap, Map<String, String> props, Path log, Duration ready)
      throws IOException {
    Path jar = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar + " is missing: run through `bin/mvn verify` (the" + " package phase builds it)");
    }
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                heap,
                "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
                "-Dquarkus.http.port=" + port,
                "-Dkafka.bootstrap.servers=" + System.getProperty("kafka.bootstrap.servers")));
    props.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
    cmd.addAll(List.of("-jar", jar.toString()));
    Files.createDirectories(log.getParent());
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    ServiceProcess s = new ServiceProcess(service, p, port, log);
    s.awaitReady(ready);
    return s;
  }

  private void awaitReady(Duration max) {
    long end = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < end) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            service + " exited with " + process.exitValue() + "; log " + log + ":\n" + tail());
      }
      if (ready()) {
        return;
      }
      sleep(250);
    }
    throw new IllegalStateException(
        service + " not ready within " + max + "; log " + log + ":\n" + tail());
  }

  private boolean ready() {
    try {
      return get("/q/health/ready").statusCode() == 200;
    } catch (IOException e) {
      return false; // not listening yet
    }
  }

  /** The file the process writes its output to. */
  public Path log() {
    return log;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** A metric's value from /q/metrics (Prometheus text), NaN if absent. */
  public double metric(String name, String labels) throws IOException {
    return metric(name, labels, Double.NaN);
  }

  /**
   * The value of the first sample of {@code name} whose labels contain {@code labels} (for "": the
   * unlabelled sample), or {@code absent} if there is none.
   */
  public double metric(String name, String labels, double absent) throws IOException {
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{([^}]*)\\})? (\\S+)$")
            .matcher(get("/q/metrics").body());
    while (m.find()) {
      String got = m.group(1);
      if (labels.isEmpty() ? got == null : got != null && got.contains(labels)) {
        return Double.parseDouble(m.group(2));
      }
    }
    return absent;
  }

  /** GET {@code path} of the service's HTTP port (e.g. {@code /q/health/ready}). */
  public HttpResponse<String> get(String path) throws IOException {
    try {
      return HTTP.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .timeout(Duration.ofSeconds(10))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** The last 40 lines of the log, for failure messages. */
  public String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** SIGKILL, like a crashed pod: no shutdown hook runs, nothing in flight is committed. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** Thread.sleep for polling loops; an interrupt fails the test. */
  public static void sleep(long ms) {
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
      process.destroy(); // SIGTERM: graceful shutdown (final commit / checkpoint)
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
