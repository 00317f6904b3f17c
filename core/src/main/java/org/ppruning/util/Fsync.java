package org.ppruning.util;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Forces written files and folders to the storage device ({@code fsync}), so that a rename that
 * publishes them is not undone, or left pointing at empty files, by a power loss or kernel crash.
 * The order that makes a rename durable: fsync the new file's content (every file of a new folder,
 * then the folders), rename, then fsync the folder that holds the new name.
 */
public final class Fsync {
  private Fsync() {}

  /** Forces the content and metadata of the regular file {@code file}. */
  public static void file(Path file) throws IOException {
    try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
      c.force(true);
    }
  }

  /** Forces the entries of the folder {@code dir} (names created, renamed or deleted in it). */
  public static void directory(Path dir) throws IOException {
    try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
      c.force(true);
    }
  }

  /**
   * Forces every regular file under {@code root}, then every folder, deepest first, {@code root}
   * last; symbolic links are not followed.
   *
   * @return the number of files and folders forced
   */
  public static int tree(Path root) throws IOException {
    List<Path> all;
    try (Stream<Path> s = Files.walk(root)) {
      all = s.sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
    }
    int n = 0;
    for (Path p : all) {
      if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        file(p);
        n++;
      }
    }
    for (Path p : all) {
      if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        directory(p);
        n++;
      }
    }
    return n;
  }
}
