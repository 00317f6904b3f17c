package org.ppruning.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Is a built artifact older than the sources it is built from? */
public final class BuildCheck {
  private BuildCheck() {}

  /**
   * Why {@code artifact} must be rebuilt, or empty if it is up to date: it is missing, or a file
   * under one of {@code sources} (files or directories; missing ones are ignored) was modified
   * after it.
   */
  public static Optional<String> staleReason(Path artifact, List<Path> sources) {
    if (!Files.isRegularFile(artifact)) {
      return Optional.of(artifact + " is missing");
    }
    try {
      FileTime built = Files.getLastModifiedTime(artifact);
      for (Path src : sources) {
        if (!Files.exists(src)) {
          continue;
        }
        try (Stream<Path> files = Files.walk(src)) {
          Optional<Path> newer =
              files
                  .filter(Files::isRegularFile)
                  .filter(f -> modified(f).compareTo(built) > 0)
                  .findFirst();
          if (newer.isPresent()) {
            return Optional.of(newer.get() + " is newer than " + artifact);
          }
        }
      }
      return Optional.empty();
    } catch (IOException | UncheckedIOException e) {
      return Optional.of("cannot compare " + artifact + " with its sources: " + e.getMessage());
    }
  }

  private static FileTime modified(Path f) {
    try {
      return Files.getLastModifiedTime(f);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
