package org.ppruning.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ppruning.model.LayerSpec;
import org.ppruning.model.ModelSpec;

/** Test fixtures (also used by the pruner service's tests): versions and their kept units. */
public final class RepositoryAssertions {
  private RepositoryAssertions() {}

  /** Kept units of every version of {@code task} under {@code root}, checked to be 1, 2, ... */
  public static List<List<LayerSpec>> versions(Path root, String task) throws IOException {
    ModelRepository repo = new ModelRepository(root);
    List<List<LayerSpec>> out = new ArrayList<>();
    List<Long> vs = repo.versions(task);
    for (int i = 0; i < vs.size(); i++) {
      assertEquals(i + 1, vs.get(i), "versions are numbered 1, 2, ... " + vs);
      out.add(
          ModelSpec.read(repo.path(task, vs.get(i)).resolve("assets").resolve(ModelSpec.ASSET_NAME))
              .layers());
    }
    return out;
  }

  /** The same heads and neurons (original indices) in every layer. */
  public static void assertSameUnits(List<LayerSpec> want, List<LayerSpec> got, String what) {
    assertEquals(want.size(), got.size(), what + ": layers");
    for (int l = 0; l < want.size(); l++) {
      assertArrayEquals(want.get(l).keptHeads(), got.get(l).keptHeads(), what + " layer " + l);
      assertArrayEquals(want.get(l).keptNeurons(), got.get(l).keptNeurons(), what + " layer " + l);
    }
  }

  /** As many versions, each with the same units. */
  public static void assertSameVersions(List<List<LayerSpec>> want, List<List<LayerSpec>> got) {
    assertEquals(want.size(), got.size(), "number of versions");
    for (int v = 0; v < want.size(); v++) {
      assertSameUnits(want.get(v), got.get(v), "version " + (v + 1));
    }
  }
}
