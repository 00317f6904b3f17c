package org.ppruning.fetch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.ppruning.util.Fsync;

/**
 * Writes that become visible all at once: content goes to a temporary sibling first and is then
 * renamed into place, so a crash or a concurrent reader never sees a half-written file or folder.
 */
public final class AtomicFiles {

  private AtomicFiles() {}

  /** Writes {@code text} as UTF-8 to {@code file}, replacing it atomically. */
  public static void writeString(Path file, String text) throws IOException {
    Path dir = parentOf(file);
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".tmp-" + file.getFileName(), "");
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      replace(tmp, file);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Writes {@code bytes} to {@code file}, replacing it atomically. */
  public static void writeBytes(Path file, byte[] bytes) throws IOException {
    writeBytes(file, bytes, false);
  }

  /**
   * Writes {@code bytes} to {@code file}, replacing it atomically and durably: the temporary file
   * is forced to storage ({@link Fsync}) before the rename and the folder after it, so a power loss
   * leaves the old content or the new one, never an empty or partial file.
   */
  public static void writeBytesDurably(Path file, byte[] bytes) throws IOException {
    writeBytes(file, bytes, true);
  }

  private static void writeBytes(Path file, byte[] bytes, boolean durable) throws IOException {
    Path dir = parentOf(file);
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".tmp-" + file.getFileName(), "");
    try {
      Files.write(tmp, bytes);
      if (durable) {
        Fsync.file(tmp);
      }
      replace(tmp, file);
      if (durable) {
        Fsync.directory(dir);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * {@link #publishDirectory}, durably: every file and folder under {@code tmpDir} is forced to
   * storage before the rename, and {@code target}'s parent folder after it.
   */
  public static boolean publishDirectoryDurably(Path tmpDir, Path target) throws IOException {
    Fsync.tree(tmpDir);
    if (!publishDirectory(tmpDir, target)) {
      return false;
    }
    Fsync.directory(parentOf(target));
    return true;
  }

  /** Renames {@code tmp} onto {@code target} atomically, replacing a file already there. */
  public static void replace(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException(
          "cannot rename " + tmp + " to " + target + " atomically (different file systems?)", e);
    }
  }

  /**
   * Renames the finished folder {@code tmpDir} to {@code target}. Returns false (and deletes {@code
   * tmpDir}) if another process finished the same folder first.
   */
  public static boolean publishDirectory(Path tmpDir, Path target) throws IOException {
    try {
      Files.move(tmpDir, target, StandardCopyOption.ATOMIC_MOVE);
      return true;
    } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
      deleteTree(tmpDir);
      return false;
    }
  }

  /** A new empty temp folder beside {@code target}: same file system, so renames are atomic. */
  public static Path tempDirBeside(Path target) throws IOException {
    Path dir = parentOf(target);
    Files.createDirectories(dir);
    return Files.createTempDirectory(dir, ".tmp-" + target.getFileName() + "-");
  }

  /** Deletes a file or a folder with everything in it; does nothing if it does not exist. */
  public static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> all = Files.walk(path)) {
      all.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.delete(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private static Path parentOf(Path file) {
    Path parent = file.toAbsolutePath().getParent();
    if (parent == null) {
      throw new IllegalArgumentException("path has no parent folder: " + file);
    }
    return parent;
  }
}
