package org.ppruning.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code chromium}, headless, for page tests: the DOM it renders and a screenshot. Each
 * call runs one browser with a fresh profile in {@code work} and no network features (no sync,
 * component updates, background networking or QUIC). The binary is {@code -Dppruning.chromium},
 * else {@code chromium} on the PATH; if there is none, the test fails saying how to install it (CI
 * installs it: .ci/run).
 */
final class HeadlessChromium {
  private static final long TIMEOUT_SECONDS = 120;

  private final Path binary;
  private final Path work;

  private HeadlessChromium(Path binary, Path work) {
    this.binary = binary;
    this.work = work;
  }

  /** The browser, or an {@link AssertionError} that says how to get it. */
  static HeadlessChromium find(Path work) {
    String given = System.getProperty("ppruning.chromium");
    if (given != null && !given.isBlank()) {
      Path p = Path.of(given);
      if (!Files.isExecutable(p)) {
        throw new AssertionError("-Dppruning.chromium=" + given + " is not an executable file");
      }
      return new HeadlessChromium(p, work);
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String name : new String[] {"chromium", "chromium-browser"}) {
        Path p = Path.of(dir, name);
        if (!dir.isEmpty() && Files.isExecutable(p)) {
          return new HeadlessChromium(p, work);
        }
      }
    }
    throw new AssertionError(
        "headless Chromium is needed to check the pruning report's charts, and no 'chromium' is"
            + " on the PATH: install Debian's package (apt-get install -y chromium; .ci/run does)"
            + " or pass -Dppruning.chromium=/path/to/chromium");
  }

  /** The DOM of {@code page} after Chromium has parsed and laid it out. */
  String dumpDom(Path page) throws IOException, InterruptedException {
    Path out = run("dom", List.of("--dump-dom", page.toUri().toString()));
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  /** A PNG of {@code page} in a window of {@code width} x {@code height} pixels. */
  Path screenshot(Path page, int width, int height, Path png)
      throws IOException, InterruptedException {
    run(
        "screenshot",
        List.of(
            "--hide-scrollbars",
            "--screenshot=" + png.toAbsolutePath(),
            "--window-size=" + width + "," + height,
            page.toUri().toString()));
    if (!Files.isRegularFile(png)) {
      throw new AssertionError("chromium wrote no screenshot " + png);
    }
    return png;
  }

  private Path run(String what, List<String> args) throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory(work, "chromium-profile-");
    Path stdout = work.resolve(what + ".out");
    Path stderr = work.resolve(what + ".err");
    List<String> cmd = new ArrayList<>();
    cmd.add(binary.toString());
    cmd.addAll(
        List.of(
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--user-data-dir=" + profile));
    cmd.addAll(args);
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(stdout.toFile())
            .redirectError(stderr.toFile())
            .start();
    if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor();
      throw new AssertionError(
          "chromium (" + what + ") did not finish in " + TIMEOUT_SECONDS + " s: " + tail(stderr));
    }
    if (p.exitValue() != 0) {
      throw new AssertionError(
          "chromium (" + what + ") exited with " + p.exitValue() + ": " + tail(stderr));
    }
    return stdout;
  }

  private static String tail(Path log) throws IOException {
    String s = Files.readString(log, StandardCharsets.UTF_8);
    return s.length() <= 2000 ? s : s.substring(s.length() - 2000);
  }
}
