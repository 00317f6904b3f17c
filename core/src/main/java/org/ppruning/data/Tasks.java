package org.ppruning.data;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import org.ppruning.fetch.ArtifactCache;

/** Built-in tasks by name; their data is fetched from the registries on first use and cached. */
public final class Tasks {
  public static final List<String> NAMES = List.of("sentiment");

  private Tasks() {}

  /** All samples of a built-in task. */
  public static List<Sample> samples(String task, ArtifactCache cache, PrintStream progress)
      throws IOException {
    return switch (task) {
      case "sentiment" -> SentimentDataset.load(cache, progress);
      default -> throw new IllegalArgumentException("unknown task '" + task + "'; built-in tasks: "
          + String.join(", ", NAMES) + " (or pass --samples FILE with JSON lines)");
    };
  }
}
