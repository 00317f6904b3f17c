package org.ppruning.stream;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.ppruning.fetch.AtomicFiles;

/**
 * Versioned models laid out like TensorFlow Serving's repository: {@code
 * <root>/<task>/<version>/saved_model.pb, variables/, assets/}. A version is written into a
 * temporary sibling folder (names starting with '.') and renamed into place, so readers only ever
 * see complete versions; versions are never overwritten.
 */
public final class ModelRepository {
  private static final Pattern TASK = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");

  private final Path root;

  public ModelRepository(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  /** Writes one version's content into a folder that does not exist yet. */
  @FunctionalInterface
  public interface VersionWriter {
    void write(Path dir) throws IOException;
  }

  public Path root() {
    return root;
  }

  /** Refuses task ids that cannot be a single folder name (and hence a record key). */
  public static String checkTask(String task) {
    if (task == null || !TASK.matcher(task).matches()) {
      throw new IllegalArgumentException(
          "task id must match "
              + TASK.pattern()
              + ", got "
              + (task == null ? "null" : "'" + task + "'"));
    }
    return task;
  }

  public Path path(String task, long version) {
    if (version < 1) {
      throw new IllegalArgumentException("version must be >= 1, got " + version);
    }
    return root.resolve(checkTask(task)).resolve(Long.toString(version));
  }

  /** The complete versions of {@code task}, ascending (empty if the task has none). */
  public List<Long> versions(String task) throws IOException {
    Path dir = root.resolve(checkTask(task));
    List<Long> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .filter(n -> VERSION.matcher(n).matches())
          .map(Long::parseLong)
          .sorted()
          .forEach(out::add);
    }
    return out;
  }

  /** The tasks with at least one folder under the root, sorted. */
  public List<String> tasks() throws IOException {
    List<String> out = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return out;
    }
    try (Stream<Path> s = Files.list(root)) {
      s.filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .filter(n -> TASK.matcher(n).matches())
          .sorted()
          .forEach(out::add);
    }
    return out;
  }

  public OptionalLong latest(String task) throws IOException {
    List<Long> v = versions(task);
    return v.isEmpty() ? OptionalLong.empty() : OptionalLong.of(v.get(v.size() - 1));
  }

  /**
   * One more than the highest version number any entry of the task's folder carries, or 1. Every
   * entry counts, valid or not (an empty folder {@code 999}, a stray file {@code 5}): the next
   * version is then {@code 1000}, and no existing name is ever written over.
   */
  public long nextVersion(String task) throws IOException {
    Path dir = root.resolve(checkTask(task));
    long highest = 0;
    if (Files.isDirectory(dir)) {
      try (Stream<Path> s = Files.list(dir)) {
        highest =
            s.map(p -> p.getFileName().toString())
                .filter(n -> VERSION.matcher(n).matches())
                .mapToLong(Long::parseLong)
                .max()
                .orElse(0);
      }
    }
    return highest + 1;
  }

  /**
   * Writes {@code version} of {@code task} atomically and durably (every file and folder is fsynced
   * before the rename, the task folder after it). Fails if that version already exists (or appears
   * while writing): versions are never overwritten.
   */
  public Path write(String task, long version, VersionWriter writer) throws IOException {
    Path target = path(task, version);
    if (Files.exists(target)) {
      throw new IOException("model version already exists, refusing to overwrite: " + target);
    }
    Files.createDirectories(target.getParent());
    Path tmp = AtomicFiles.tempDirBeside(target);
    Path content = tmp.resolve("model");
    try {
      writer.write(content);
      if (!Files.isRegularFile(content.resolve("saved_model.pb"))) {
        throw new IOException("writer left no saved_model.pb in " + content);
      }
      if (!AtomicFiles.publishDirectoryDurably(content, target)) {
        throw new IOException(
            "model version appeared while writing, refusing to overwrite: " + target);
      }
      return target;
    } finally {
      AtomicFiles.deleteTree(tmp);
    }
  }
}
