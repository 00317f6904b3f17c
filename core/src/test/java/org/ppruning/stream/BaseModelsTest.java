package org.ppruning.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TinyModels;
import org.ppruning.tokenize.TokenizerFiles;

class BaseModelsTest {
  @TempDir static Path tmp;
  static Path small;
  static Path wide;
  static Path noTokenizer;

  @BeforeAll
  static void export() throws Exception {
    Path tok =
        Files.writeString(
            tmp.resolve("tokenizer.json"), TokenizerFiles.wordPieceJson(TinyModels.VOCAB, true));
    small = export(TinyModels.bertSpec(1, 8, 2, 16), tok, "small");
    wide = export(TinyModels.bertSpec(1, 8, 2, 24), tok, "wide");
    noTokenizer = export(TinyModels.bertSpec(1, 8, 2, 16), null, "no-tokenizer");
  }

  static Path export(ModelSpec spec, Path tokenizer, String name) throws Exception {
    Path dir = tmp.resolve(name);
    try (TransformerModel m =
        TransformerModel.build(spec, TinyModels.randomWeights(spec, 1), tokenizer)) {
      m.export(dir, false);
    }
    return dir;
  }

  @Test
  void aTaskGetsItsOwnModelOrTheDefaultEachLoadedOnce() throws Exception {
    List<String> loads = new ArrayList<>();
    BaseModels b =
        new BaseModels(
            small.toString(),
            Map.of("wide-task", wide.toString()),
            new ArtifactCache(
                tmp.resolve("cache"), ArtifactCache.mavenRepository(System.getProperties())),
            loads::add);
    PrunerEngine.Base d = b.defaultBase();
    assertEquals(small.toString(), d.name());
    assertEquals(16, d.spec().layers().get(0).ffn());
    assertSame(d, b.forTask("sst2"), "tasks without their own model share the default");
    assertEquals(24, b.forTask("wide-task").spec().layers().get(0).ffn());
    assertSame(b.forTask("wide-task"), b.get(wide.toString()));
    assertEquals(List.of(small.toString(), wide.toString()), loads, "each loaded once");
  }

  @Test
  void aModelWithoutTokenizerOrThatDoesNotLoadIsNamed() {
    BaseModels b =
        new BaseModels(
            noTokenizer.toString(),
            Map.of("t", "no/such/model"),
            new ArtifactCache(
                tmp.resolve("cache"), ArtifactCache.mavenRepository(System.getProperties())),
            m -> {});
    var e = assertThrows(IllegalArgumentException.class, b::defaultBase);
    assertEquals("base model " + noTokenizer + " has no tokenizer", e.getMessage());
    Exception missing = assertThrows(Exception.class, () -> b.forTask("t"));
    assertTrue(missing.getMessage().contains("no/such/model"), missing.getMessage());
  }
}
