package org.ppruning.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.CostModel;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TinyModels;
import org.ppruning.model.UnitRemoval;

class CliTest {
  @TempDir Path tmp;

  @Test
  void modelsListsTheCatalogWithSourceAndSize() {
    CliRunner r = CliRunner.run("models", "--json");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode models = r.json().get("models");
    assertEquals(6, models.size());
    for (String name :
        new String[] {
          "bert-base-uncased",
          "bert-base-cased",
          "bert-base-multilingual-cased",
          "all-minilm-l6-v2",
          "bge-small-en-v1.5",
          "e5-small-v2"
        }) {
      boolean found = false;
      for (JsonNode m : models) {
        if (m.get("name").asText().equals(name)) {
          found = true;
          assertTrue(m.get("source").asText().startsWith("maven:"), m.toString());
          assertTrue(m.get("sizeBytes").asLong() > 50_000_000L, m.toString());
        }
      }
      assertTrue(found, name);
    }
  }

  @Test
  void infoReportsWidthsParamsAndFlopsOfAPrunedModel() throws Exception {
    ModelSpec spec = TinyModels.bertSpec(2, 16, 4, 32);
    var pruned =
        UnitRemoval.remove(
            spec,
            TinyModels.randomWeights(spec, 1),
            java.util.List.of(new int[] {0}, new int[] {0, 1, 2, 3}),
            java.util.List.of(new int[] {1, 2}, new int[] {}));
    Path dir = tmp.resolve("m");
    try (TransformerModel m = TransformerModel.build(pruned.spec(), pruned.weights(), null)) {
      m.export(dir, false);
    }
    CliRunner r = CliRunner.run("info", dir.toString(), "--seq-len", "16", "--json");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode j = r.json();
    assertEquals("bert", j.get("architecture").asText());
    assertEquals(2, j.get("layers").asInt());
    assertEquals("[3,0]", j.get("headsPerLayer").toString());
    assertEquals("[30,32]", j.get("ffnPerLayer").toString());
    assertEquals(pruned.weights().parameterCount(), j.get("params").asLong());
    long head = 3 * 16 * 16 * 4 + 2 * 16 * 16 * 4 + 16 * 4 * 16;
    assertEquals(3 * head + 62 * 2 * 16 * 16, j.get("flops").asLong());
    assertEquals(CostModel.encoderFlops(pruned.spec(), 16), j.get("flops").asLong());
    // Human output names every layer.
    CliRunner human = CliRunner.run("info", dir.toString());
    assertTrue(human.out().contains("parameters: "), human.out() + human.err());
  }

  @Test
  void badInputGetsOneClearLineAndExitCode2() throws Exception {
    CliRunner r = CliRunner.run("import", "no-such-model", "--out", tmp.resolve("x").toString());
    assertEquals(2, r.exitCode());
    assertTrue(
        r.err().contains("unknown model 'no-such-model'; known models: bert-base-uncased"),
        r.err());
    assertFalse(Files.exists(tmp.resolve("x")), "nothing written");

    Files.createDirectories(tmp.resolve("exists"));
    r = CliRunner.run("import", "all-minilm-l6-v2", "--out", tmp.resolve("exists").toString());
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("exists; pass --force"), r.err());

    r = CliRunner.run("info", tmp.toString());
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("is not a ppruning SavedModel"), r.err());

    Path notCheckpoint = Files.createDirectories(tmp.resolve("random-folder"));
    r = CliRunner.run("import", notCheckpoint.toString(), "--out", tmp.resolve("y").toString());
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("neither a Hugging Face checkpoint"), r.err());
  }

  @Test
  void importsAHuggingFaceCheckpointFolder() throws Exception {
    ModelSpec spec = TinyModels.gpt2Spec(2, 16, 4, 32);
    var w = TinyModels.randomWeights(spec, 4);
    Path ckpt = tmp.resolve("hf");
    org.ppruning.importer.safetensors.HuggingFaceExporter.exportDir(spec, w, ckpt);
    Path out = tmp.resolve("ours");
    CliRunner r = CliRunner.run("import", ckpt.toString(), "--out", out.toString(), "--json");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("gpt2", r.json().get("architecture").asText());
    try (TransformerModel m = TransformerModel.load(out)) {
      var back = m.readWeights();
      for (String n : w.names()) {
        assertEquals(w.get(n), back.get(n), n);
      }
    }
  }

  @Test
  void finetuneAndEvalRefuseWhatTheyCannotDo() throws Exception {
    CliRunner r =
        CliRunner.run(
            "finetune",
            "--model",
            "x",
            "--task",
            "sotu",
            "--data",
            tmp.toString(),
            "--out",
            tmp.resolve("ft").toString());
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("task 'sotu' is built in and brings its own data"), r.err());
    r =
        CliRunner.run(
            "finetune", "--model", "x", "--task", "nope", "--out", tmp.resolve("ft").toString());
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("nope"), r.err());
    assertFalse(Files.exists(tmp.resolve("ft")));

    ModelSpec spec = TinyModels.bertSpec(1, 16, 4, 32);
    Path dir = tmp.resolve("no-head");
    try (TransformerModel m =
        TransformerModel.build(spec, TinyModels.randomWeights(spec, 1), null)) {
      m.export(dir, false);
    }
    r = CliRunner.run("eval", "--model", dir.toString(), "--task", "sentiment");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("has no task head"), r.err());
  }
}
