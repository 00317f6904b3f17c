package org.ppruning.local;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The single-node broker of a run directory, driven through deploy/kafka/kafka.sh (not a copy of
 * its logic): data in {@code RUN_DIR/kafka/data}, so its log, pid file and generated
 * server.properties sit in {@code RUN_DIR/kafka}.
 */
final class Broker {
  private final Path script;
  private final Path dir;
  private final int port;

  Broker(Path projectDir, Path runDir, int port) {
    this.script = projectDir.resolve("deploy/kafka/kafka.sh");
    this.dir = LocalRuntime.realIfExists(runDir).resolve("kafka");
    this.port = port;
  }

  int port() {
    return port;
  }

  Path log() {
    return dir.resolve("kafka.log");
  }

  /** The broker's pid if it runs: the pid in kafka.sh's pid file, checked as kafka.sh checks it. */
  OptionalLong pid() {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("kafka.pid"));
      long pid = Long.parseLong(lines.get(0).trim());
      return Processes.runsWith(
              pid, List.of("kafka.Kafka", dir.resolve("server.properties").toString()))
          ? OptionalLong.of(pid)
          : OptionalLong.empty();
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  /**
   * {@code kafka.sh start}: idempotent; fails if the port is taken or the broker does not answer.
   */
  void start(PrintStream progress) {
    Outcome out = run(progress, "start");
    if (out.code() != 0) {
      throw new IllegalStateException(
          "the Kafka broker did not start (kafka.sh start exited with "
              + out.code()
              + (out.lastMessage().isEmpty() ? "" : ": " + out.lastMessage())
              + "; its log: "
              + log()
              + ")");
    }
  }

  /** {@code kafka.sh stop}: signals only the broker's own pid; a no-op if it does not run. */
  void stop(PrintStream progress) {
    Outcome out = run(progress, "stop");
    if (out.code() != 0) {
      throw new IllegalStateException(
          "kafka.sh stop exited with "
              + out.code()
              + (out.lastMessage().isEmpty() ? "" : ": " + out.lastMessage())
              + " (broker log: "
              + log()
              + ")");
    }
  }

  /**
   * {@code kafka.sh status}: UP if it runs and answers a Metadata request, DOWN if it runs only.
   */
  Health health() {
    int code = run(new PrintStream(OutputStream.nullOutputStream()), "status").code();
    return code == 0 ? Health.UP : code == 1 ? Health.DOWN : Health.UNREACHABLE;
  }

  /**
   * How kafka.sh ended: its exit code and its last message (from its last line starting with
   * "kafka: " to the end, at most {@link #MESSAGE_LINES} lines), which says why a start failed.
   */
  record Outcome(int code, String lastMessage) {}

  private static final int MESSAGE_LINES = 12;

  private Outcome run(PrintStream out, String command) {
    if (!Files.isExecutable(script)) {
      throw new IllegalStateException("no executable broker script at " + script);
    }
    ProcessBuilder pb = new ProcessBuilder(script.toString(), command).redirectErrorStream(true);
    pb.environment().put("PPRUNING_KAFKA_PORT", Integer.toString(port));
    pb.environment().put("PPRUNING_KAFKA_DATA", dir.resolve("data").toString());
    try {
      Process p = pb.start();
      p.getOutputStream().close();
      List<String> message = new ArrayList<>();
      try (BufferedReader r =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          out.println(line);
          if (line.startsWith("kafka: ")) {
            message.clear();
          }
          if (message.size() < MESSAGE_LINES) {
            message.add(line);
          }
        }
      }
      return new Outcome(p.waitFor(), String.join("\n", message));
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot run " + script + " " + command + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running kafka.sh " + command, e);
    }
  }
}
