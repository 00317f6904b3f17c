package org.ppruning.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.fetch.AtomicFiles;

/**
 * The durable write paths: what they leave on disk (that it reached the device is not testable).
 */
class FsyncTest {
  @TempDir Path tmp;

  @Test
  void treeForcesEveryFileAndFolder() throws IOException {
    Path root = tmp.resolve("v1");
    Files.createDirectories(root.resolve("variables"));
    Files.write(root.resolve("saved_model.pb"), new byte[] {1, 2});
    Files.write(root.resolve("variables/variables.index"), new byte[] {3});
    Files.write(root.resolve("variables/variables.data-00000-of-00001"), new byte[] {4});
    assertEquals(5, Fsync.tree(root), "3 files and 2 folders");
    assertThrows(NoSuchFileException.class, () -> Fsync.file(tmp.resolve("absent")));
  }

  @Test
  void durableWritesReplaceAtomicallyAndLeaveNoTemporaryFile() throws IOException {
    Path file = tmp.resolve("state/pruner.checkpoint");
    AtomicFiles.writeBytesDurably(file, new byte[] {1, 2, 3});
    AtomicFiles.writeBytesDurably(file, new byte[] {4, 5});
    assertArrayEquals(new byte[] {4, 5}, Files.readAllBytes(file));
    try (Stream<Path> s = Files.list(file.getParent())) {
      assertEquals(List.of(file), s.toList());
    }

    Path staged = AtomicFiles.tempDirBeside(tmp.resolve("models/t/1"));
    Files.createDirectories(staged.resolve("m/variables"));
    Files.writeString(staged.resolve("m/saved_model.pb"), "graph");
    assertTrue(AtomicFiles.publishDirectoryDurably(staged.resolve("m"), tmp.resolve("models/t/1")));
    assertEquals("graph", Files.readString(tmp.resolve("models/t/1/saved_model.pb")));
  }
}
