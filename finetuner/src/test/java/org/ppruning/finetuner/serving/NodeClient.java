package org.ppruning.finetuner.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.ppruning.fetch.ArtifactCache;

/**
 * The Node.js TensorFlow Serving client of {@code src/test/node/tfs-client}: installed with {@code
 * npm ci} (the exact versions of its package-lock.json) into {@code target/node-tfs-client}, with
 * npm's download cache in {@code <ppruning cache>/npm-cache} so that only the first run downloads;
 * then run with a request file. Without {@code node} on PATH the test is skipped (an aborted
 * assumption naming it); a missing {@code npm}, a failed install or a failed call is an {@link
 * AssertionError} that says which and shows the program's output.
 */
final class NodeClient {
  static final Path SOURCE = Path.of("src/test/node/tfs-client").toAbsolutePath();
  static final Path DIR = Path.of("target/node-tfs-client").toAbsolutePath();

  private NodeClient() {}

  /** Installs the client if needed, runs it on {@code requestJson}, returns the JSON it printed. */
  static JsonNode run(String requestJson) throws IOException, InterruptedException {
    install();
    Path request = DIR.resolve("request.json");
    Files.writeString(request, requestJson, StandardCharsets.UTF_8);
    String out = exec(List.of("node", "client.js", request.toString()), "the Node client", 120);
    String last = out.strip().lines().reduce((a, b) -> b).orElse("");
    return new ObjectMapper().readTree(last);
  }

  private static void install() throws IOException, InterruptedException {
    try {
      new ProcessBuilder("node", "--version").redirectErrorStream(true).start().waitFor();
    } catch (IOException e) {
      Assumptions.abort(
          "skipped: the Node TF Serving client needs node (Node.js >= 18) and npm on PATH: "
              + e.getMessage());
    }
    Files.createDirectories(DIR);
    boolean changed = false;
    for (String f : List.of("package.json", "package-lock.json", "client.js")) {
      Path to = DIR.resolve(f);
      boolean differs = !Files.exists(to) || Files.mismatch(SOURCE.resolve(f), to) != -1;
      changed |= differs && !f.equals("client.js");
      Files.copy(SOURCE.resolve(f), to, StandardCopyOption.REPLACE_EXISTING);
    }
    if (!changed && Files.isDirectory(DIR.resolve("node_modules/@grpc/grpc-js"))) {
      return;
    }
    Path cache =
        ArtifactCache.fromEnvironment(System.getenv(), System.getProperties())
            .root()
            .resolve("npm-cache");
    exec(
        List.of(
            "npm",
            "ci",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--prefer-offline",
            "--cache",
            cache.toString()),
        "npm ci (npm on PATH, and npm packages reachable on the first run)",
        600);
  }

  private static String exec(List<String> command, String what, long seconds)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile(Files.createDirectories(DIR), "exec-", ".log");
    Process p;
    try {
      p =
          new ProcessBuilder(new ArrayList<>(command))
              .directory(DIR.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
    } catch (IOException e) {
      throw new AssertionError("cannot start " + what + ": " + e.getMessage(), e);
    }
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(
          what + " did not finish in " + seconds + " s: " + Files.readString(log));
    }
    String out = Files.readString(log);
    Files.delete(log);
    if (p.exitValue() != 0) {
      throw new AssertionError(
          what + " failed (" + String.join(" ", command) + ", exit " + p.exitValue() + "): " + out);
    }
    return out;
  }
}
