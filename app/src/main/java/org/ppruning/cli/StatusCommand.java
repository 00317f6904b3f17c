package org.ppruning.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import org.ppruning.local.RuntimeStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ppruning status}: the broker and services of a run directory. */
@Command(
    name = "status",
    description =
        "Show the broker and the services of a run directory: running, pid, "
            + "port, health, log. Exit 0 if all are up and ready, else 1.")
final class StatusCommand implements Callable<Integer> {
  @Mixin RunDirOption runDir;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    RuntimeStatus st = runDir.runtime().status();
    if (json) {
      Json.print(st.toJson());
    } else {
      System.out.println(st.toText());
    }
    return st.allUp() ? 0 : 1;
  }
}
