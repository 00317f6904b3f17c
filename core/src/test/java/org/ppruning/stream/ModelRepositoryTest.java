package org.ppruning.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRepositoryTest {
  @TempDir Path root;

  private static void fakeModel(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("variables"));
    Files.writeString(dir.resolve("saved_model.pb"), "pb");
  }

  @Test
  void versionsAreWrittenAtomicallyAndNeverOverwritten() throws IOException {
    ModelRepository repo = new ModelRepository(root);
    assertEquals(1, repo.nextVersion("sentiment"));
    repo.write("sentiment", 1, ModelRepositoryTest::fakeModel);
    repo.write("sentiment", 2, ModelRepositoryTest::fakeModel);
    assertEquals(List.of(1L, 2L), repo.versions("sentiment"));
    assertEquals(3, repo.nextVersion("sentiment"));
    assertTrue(Files.isRegularFile(root.resolve("sentiment/2/saved_model.pb")));
    IOException e =
        assertThrows(
            IOException.class, () -> repo.write("sentiment", 2, ModelRepositoryTest::fakeModel));
    assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    assertEquals(List.of("sentiment"), repo.tasks());
  }

  @Test
  void aFailedWriteLeavesNoVersionAndNoTemporaryFolder() throws IOException {
    ModelRepository repo = new ModelRepository(root);
    assertThrows(
        IOException.class,
        () ->
            repo.write(
                "t",
                1,
                dir -> {
                  Files.createDirectories(dir);
                  throw new IOException("disk full");
                }));
    assertThrows(IOException.class, () -> repo.write("t", 1, Files::createDirectories));
    assertEquals(List.of(), repo.versions("t"));
    try (var s = Files.list(root.resolve("t"))) {
      assertEquals(0, s.count(), "temporary folders are removed");
    }
  }

  @Test
  void theNextVersionIsPastEveryNumberedEntryValidOrNot() throws IOException {
    ModelRepository repo = new ModelRepository(root);
    repo.write("sentiment", 1, ModelRepositoryTest::fakeModel);
    Files.createDirectories(repo.path("sentiment", 999)); // empty: no model
    Files.writeString(root.resolve("sentiment").resolve("1200"), "a stray file");
    Files.createDirectories(root.resolve("sentiment").resolve(".tmp-5000")); // not a version

    assertEquals(List.of(1L, 999L), repo.versions("sentiment"));
    assertEquals(1201, repo.nextVersion("sentiment"));
    repo.write("sentiment", repo.nextVersion("sentiment"), ModelRepositoryTest::fakeModel);
    assertEquals(List.of(1L, 999L, 1201L), repo.versions("sentiment"));
  }

  @Test
  void badTaskIdsAndVersionsAreRefusedByName() {
    ModelRepository repo = new ModelRepository(root);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> repo.path("../etc", 1));
    assertTrue(e.getMessage().contains("'../etc'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> repo.path("t", 0));
    assertFalse(Files.exists(root.resolve("t")));
  }

  @Test
  void modelEventsRoundTripThroughJson() {
    ModelEvent e =
        new ModelEvent(
            ModelEvent.PRUNED,
            "sentiment",
            3,
            "file:/m/sentiment/3",
            "all-minilm-l6-v2",
            List.of(new ModelEvent.Width(6, 700), new ModelEvent.Width(4, 512)),
            0.4987,
            0.61,
            3000,
            "first pruning",
            null,
            "2026-11-28T00:00:00Z");
    ModelEvent back = ModelEvent.fromJson(e.toJson());
    assertEquals(e, back);
    assertFalse(new String(e.toJson()).contains("metrics"), "null fields are left out");
    ModelEvent f =
        new ModelEvent(
            ModelEvent.FINETUNED,
            "sentiment",
            1,
            "file:/s/1",
            "file:/m/sentiment/3",
            List.of(),
            0.5,
            0.6,
            2412,
            "fine-tuned",
            Map.of("accuracy", 0.9),
            "2026-11-28T00:00:00Z");
    assertEquals(f, ModelEvent.fromJson(f.toJson()));
    assertThrows(
        IllegalArgumentException.class,
        () -> ModelEvent.fromJson("{\"stage\":\"other\"}".getBytes()));
  }
}
