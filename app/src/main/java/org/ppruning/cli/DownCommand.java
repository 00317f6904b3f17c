package org.ppruning.cli;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ppruning.local.LocalRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ppruning down}: stops what {@code up} started in a run directory. */
@Command(
    name = "down",
    description = "Stop the services and the broker that 'up' started (only those pids).")
final class DownCommand implements Callable<Integer> {
  @Mixin RunDirOption runDir;

  @Option(
      names = "--grace",
      defaultValue = "30",
      paramLabel = "SECONDS",
      description = "Seconds between SIGTERM and SIGKILL.")
  long grace;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    if (grace < 0) {
      throw new IllegalArgumentException("--grace must not be negative, not " + grace);
    }
    LocalRuntime rt = runDir.runtime();
    Map<String, String> result = rt.down(Duration.ofSeconds(grace), System.err);
    if (json) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("stopped", result);
      out.put("runDir", rt.runDir().toString());
      Json.print(out);
    } else {
      result.forEach((k, v) -> System.out.printf("%-10s %s%n", k, v));
    }
    return 0;
  }
}
