package org.ppruning.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TinyModels;

/**
 * Model events and version folders a service may load: inside the repository (symlinks and '..'
 * resolved), the event's own folder, present, and a SavedModel whose spec and weights agree.
 */
class VersionCheckTest {
  @TempDir Path tmp;
  ModelRepository repo;
  VersionCheck check;
  Path v1;

  @BeforeEach
  void setUp() throws Exception {
    repo = new ModelRepository(tmp.resolve("repo"));
    check = new VersionCheck(repo.root(), VersionCheck.SAVED_MODEL);
    v1 = tinyVersion(repo, "sentiment", 1);
  }

  static Path tinyVersion(ModelRepository repo, String task, long version) throws Exception {
    ModelSpec spec = TinyModels.bertSpec(1, 16, 4, 32);
    return repo.write(
        task,
        version,
        dir -> {
          try (TransformerModel m =
              TransformerModel.build(spec, TinyModels.randomWeights(spec, 7), null)) {
            m.export(dir, false);
          }
        });
  }

  static ModelEvent pruned(String task, long version, String path) {
    return new ModelEvent(
        ModelEvent.PRUNED,
        task,
        version,
        path,
        "tiny",
        List.of(),
        1,
        1,
        10,
        "test",
        null,
        Instant.now().toString());
  }

  VersionCheck.Problem refused(ModelEvent e, VersionCheck.Reason want) {
    Optional<VersionCheck.Problem> p = check.event(e);
    assertTrue(p.isPresent(), "refused: " + e.path());
    assertEquals(want, p.get().reason(), p.get().detail());
    return p.get();
  }

  @Test
  void theEventOfAValidVersionInsideTheRepositoryPasses() {
    assertEquals(Optional.empty(), check.event(pruned("sentiment", 1, v1.toUri().toString())));
    assertEquals(Optional.empty(), check.folder(v1));
  }

  @Test
  void aPathOutsideTheRepositoryIsRefusedEvenWhenItHoldsAValidModel() throws Exception {
    Path elsewhere = tinyVersion(new ModelRepository(tmp.resolve("other")), "sentiment", 1);

    VersionCheck.Problem p =
        refused(
            pruned("sentiment", 1, elsewhere.toUri().toString()),
            VersionCheck.Reason.OUTSIDE_REPOSITORY);

    assertEquals("path " + elsewhere + " is outside the repository " + repo.root(), p.detail());
    assertEquals("outside_repository", p.reason().label());
  }

  @Test
  void dotDotAndSymlinksAreResolvedBeforeTheCheck() throws Exception {
    Path elsewhere = tinyVersion(new ModelRepository(tmp.resolve("other")), "sentiment", 1);
    String dotted = repo.root().toUri() + "sentiment/../../other/sentiment/1";
    refused(pruned("sentiment", 1, dotted), VersionCheck.Reason.OUTSIDE_REPOSITORY);

    // A version folder that is a symlink to a model outside: its real path is outside.
    Files.createSymbolicLink(repo.path("sentiment", 2), elsewhere);
    VersionCheck.Problem p =
        refused(
            pruned("sentiment", 2, repo.path("sentiment", 2).toUri().toString()),
            VersionCheck.Reason.OUTSIDE_REPOSITORY);
    assertTrue(p.detail().contains("(really " + elsewhere.toRealPath() + ")"), p.detail());
  }

  @Test
  void anotherFolderOfTheRepositoryIsRefused() {
    VersionCheck.Problem p =
        refused(pruned("grammar", 1, v1.toUri().toString()), VersionCheck.Reason.WRONG_FOLDER);
    assertEquals(
        "path "
            + v1
            + " is not the folder of grammar version 1 ("
            + repo.root().resolve("grammar/1")
            + ")",
        p.detail());
    refused(pruned("sentiment", 7, v1.toUri().toString()), VersionCheck.Reason.WRONG_FOLDER);
  }

  @Test
  void aMissingFolderIsRefused() {
    Path v3 = repo.path("sentiment", 3);
    VersionCheck.Problem p =
        refused(pruned("sentiment", 3, v3.toUri().toString()), VersionCheck.Reason.MISSING);
    assertEquals("version folder " + v3 + " does not exist", p.detail());
  }

  @Test
  void anEmptyOrCorruptOrMisshapenVersionFolderIsRefused() throws Exception {
    Path empty = Files.createDirectories(repo.path("sentiment", 999));
    VersionCheck.Problem p =
        refused(
            pruned("sentiment", 999, empty.toUri().toString()), VersionCheck.Reason.INVALID_SPEC);
    assertTrue(p.detail().startsWith("version folder " + empty + " holds no valid model: "));
    assertTrue(p.detail().contains("no saved_model.pb"), p.detail());

    // A copy of version 1 whose spec is not JSON.
    Path corrupt = copy(v1, repo.path("sentiment", 5));
    Files.writeString(corrupt.resolve("assets").resolve(ModelSpec.ASSET_NAME), "{\"format\": ");
    refused(pruned("sentiment", 5, corrupt.toUri().toString()), VersionCheck.Reason.INVALID_SPEC);

    // A copy of version 1 whose spec (valid itself) claims narrower FFNs than its weights hold.
    Path narrow = copy(v1, repo.path("sentiment", 6));
    Files.writeString(
        narrow.resolve("assets").resolve(ModelSpec.ASSET_NAME),
        TinyModels.bertSpec(1, 16, 4, 24).toJson());
    VersionCheck.Problem shapes =
        refused(
            pruned("sentiment", 6, narrow.toUri().toString()), VersionCheck.Reason.INVALID_SPEC);
    assertTrue(shapes.detail().contains("holds no valid model"), shapes.detail());
  }

  @Test
  void aPathThatIsNoFileUriIsRefused() {
    refused(pruned("sentiment", 1, "http://example.invalid/x"), VersionCheck.Reason.BAD_PATH);
    refused(pruned("sentiment", 1, null), VersionCheck.Reason.BAD_PATH);
  }

  static Path copy(Path from, Path to) throws Exception {
    try (var s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
    return to;
  }
}
