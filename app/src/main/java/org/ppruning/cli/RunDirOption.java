package org.ppruning.cli;

import java.nio.file.Path;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.local.LocalRuntime;
import picocli.CommandLine.Option;

/** {@code --run-dir} shared by up, down and status. */
final class RunDirOption {
  @Option(
      names = "--run-dir",
      paramLabel = "DIR",
      description =
          "Pid files, logs, work dirs and the broker's data (default: $PPRUNING_CACHE/run, "
              + "else ~/.cache/ppruning/run).")
  Path runDir;

  LocalRuntime runtime() {
    Path dir =
        runDir != null
            ? runDir
            : ArtifactCache.fromEnvironment(System.getenv(), System.getProperties())
                .root()
                .resolve("run");
    return new LocalRuntime(LocalRuntime.findProjectDir(), dir);
  }
}
