package org.ppruning.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TaskHead;
import org.ppruning.model.TinyModels;
import org.ppruning.model.UnitRemoval;
import org.ppruning.onnx.OnnxRun;

/** {@code ppruning export}: a pruned fine-tuned SavedModel to ONNX, and its refusals. */
class ExportCommandTest {
  @TempDir Path tmp;

  private Path savedModel(ModelSpec spec, boolean prune) throws Exception {
    var w = TinyModels.randomWeights(spec, 4);
    var p =
        prune
            ? UnitRemoval.remove(
                spec,
                w,
                List.of(new int[] {0, 2}, new int[] {1}),
                List.of(new int[] {3, 4, 5}, new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}))
            : new UnitRemoval.Pruned(spec, w);
    Path dir = tmp.resolve("saved-" + System.nanoTime());
    try (TransformerModel m = TransformerModel.build(p.spec(), p.weights(), null)) {
      m.export(dir, false);
    }
    return dir;
  }

  @Test
  void exportsAPrunedClassifierThatOnnxruntimeRunsLikeTensorFlow() throws Exception {
    ModelSpec spec =
        TinyModels.bertSpec(2, 16, 4, 32)
            .withHead(new TaskHead(TaskHead.CLASSIFICATION, List.of("neg", "pos"), "sentiment"));
    Path dir = savedModel(spec, true);
    Path file = tmp.resolve("out/model.onnx");
    CliRunner r =
        CliRunner.run(
            "export", dir.toString(), "--format", "onnx", "--out", file.toString(), "--json");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode j = r.json();
    assertEquals(17, j.get("opset").asInt());
    assertEquals(8, j.get("irVersion").asInt());
    assertEquals(Files.size(file), j.get("bytes").asLong());
    assertEquals(
        "[\"input_ids\",\"attention_mask\",\"token_type_ids\"]", j.get("inputs").toString());
    assertEquals(
        "[\"sequence_output\",\"pooled_output\",\"logits\",\"probabilities\",\"mlm_logits\"]",
        j.get("outputs").toString());

    TokenBatch b = TinyModels.batch(50, 3, 5, 11, 2);
    Map<String, FloatTensor> got = OnnxRun.run(file, b);
    try (TransformerModel m = TransformerModel.load(dir)) {
      assertEquals(List.of(2, 3), m.spec().headsPerLayer());
      Map<String, FloatTensor> want = m.serve(b);
      assertEquals(want.keySet(), got.keySet());
      for (String k : want.keySet()) {
        float d = TinyModels.maxAbsDiff(want.get(k), got.get(k));
        assertTrue(d <= 1e-5f, k + " differs by " + d);
      }
    }
    // An existing file is kept unless --force.
    CliRunner again =
        CliRunner.run("export", dir.toString(), "--format", "onnx", "--out", file.toString());
    assertEquals(2, again.exitCode());
    assertTrue(again.err().contains(file + " exists; pass --force"), again.err());
    CliRunner forced =
        CliRunner.run(
            "export", dir.toString(), "--format", "onnx", "--out", file.toString(), "--force");
    assertEquals(0, forced.exitCode(), forced.err());
    assertTrue(forced.out().contains("ONNX opset 17, IR 8"), forced.out());
  }

  @Test
  void refusesAnUnknownFormatNamingIt() throws Exception {
    Path dir = savedModel(TinyModels.bertSpec(1, 8, 2, 8), false);
    CliRunner r =
        CliRunner.run(
            "export", dir.toString(), "--format", "tflite", "--out", tmp.resolve("m").toString());
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("unknown --format 'tflite' (supported: onnx)"), r.err());
  }

  @Test
  void refusesAMissingDirNamingIt() {
    Path missing = tmp.resolve("no-such-model");
    CliRunner r =
        CliRunner.run(
            "export", missing.toString(), "--format", "onnx", "--out", tmp.resolve("m").toString());
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains(missing + " does not exist"), r.err());
    Path notOurs = tmp.resolve("empty");
    notOurs.toFile().mkdirs();
    CliRunner r2 =
        CliRunner.run(
            "export", notOurs.toString(), "--format", "onnx", "--out", tmp.resolve("m").toString());
    assertEquals(2, r2.exitCode());
    assertTrue(r2.err().contains(notOurs + " is not a SavedModel"), r2.err());
  }

  @Test
  void refusesAGpt2ModelNamingTheFamily() throws Exception {
    Path dir = savedModel(TinyModels.gpt2Spec(1, 8, 2, 8), false);
    Path file = tmp.resolve("gpt2.onnx");
    CliRunner r =
        CliRunner.run("export", dir.toString(), "--format", "onnx", "--out", file.toString());
    assertEquals(2, r.exitCode());
    assertTrue(
        r.err().contains("ONNX export supports the bert architecture")
            && r.err().contains("tiny-random-gpt2 is gpt2"),
        r.err());
    assertFalse(Files.exists(file), "no file is left behind");
  }
}
