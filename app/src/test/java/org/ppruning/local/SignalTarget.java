package org.ppruning.local;

/**
 * A real JVM for the process tests: prints "ready", then sleeps. With {@code --ignore-term} it
 * ignores SIGTERM, like a service stuck in shutdown, so only SIGKILL ends it.
 */
public final class SignalTarget {
  private SignalTarget() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length > 0 && args[0].equals("--ignore-term")) {
      sun.misc.Signal.handle(new sun.misc.Signal("TERM"), sig -> {});
    }
    System.out.println("ready");
    System.out.flush();
    Thread.sleep(120_000);
  }

  /** Starts one with the given JVM arguments (markers) and waits until it is ready. */
  static Process start(boolean ignoreTerm, String... jvmArgs) throws Exception {
    java.util.List<String> cmd = new java.util.ArrayList<>();
    cmd.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx32m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.addAll(java.util.List.of(jvmArgs));
    cmd.add("-cp");
    cmd.add(
        java.nio.file.Path.of(
                SignalTarget.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .toString());
    cmd.add(SignalTarget.class.getName());
    if (ignoreTerm) {
      cmd.add("--ignore-term");
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String line =
        new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
    if (!"ready".equals(line)) {
      p.destroyForcibly();
      throw new IllegalStateException("SignalTarget did not start: " + line);
    }
    return p;
  }
}
