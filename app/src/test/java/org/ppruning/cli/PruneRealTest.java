package org.ppruning.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.Imported;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.LayerSpec;
import org.ppruning.model.ModelLayout;
import org.ppruning.model.TinyModels;
import org.ppruning.model.UnitTensor;
import org.ppruning.model.Weights;
import org.ppruning.testing.RealModels;
import org.ppruning.tokenize.TextTokenizer;

/** P-pruning of MiniLM on the 3,000 real sentiment sentences, through the command line. */
@Tag("real")
class PruneRealTest {
  @TempDir Path tmp;

  @Test
  void miniLmMeetsTheBudgetAndEqualsTheMaskedOriginal() throws Exception {
    Path out = tmp.resolve("pruned");
    CliRunner r =
        CliRunner.run(
            "prune",
            "--model",
            "all-minilm-l6-v2",
            "--task",
            "sentiment",
            "--flops-keep",
            "0.5",
            "--linkage",
            "direct",
            "--out",
            out.toString(),
            "--json");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode j = r.json();
    double kept = j.get("flopsKept").asDouble();
    assertTrue(kept <= 0.5 + 0.005 && kept >= 0.5 - 0.005, "FLOPs kept " + kept);
    assertTrue(kept <= 0.5 + 1e-9, "never above the request: " + kept);

    Imported full = RealModels.source("all-minilm-l6-v2").load(System.err);
    try (TransformerModel small = TransformerModel.load(out);
        TextTokenizer tok = TextTokenizer.load(small.tokenizerJson())) {
      Weights masked = mask(full, small.spec().layers());
      try (TransformerModel ref = TransformerModel.build(full.spec(), masked, null)) {
        TokenBatch b = tok.encode(VerifyCommand.sentences().subList(0, 8), null, 512);
        Map<String, FloatTensor> want = ref.serve(b);
        Map<String, FloatTensor> got = small.serve(b);
        float diff = TinyModels.maxAbsDiff(want.get("sequence_output"), got.get("sequence_output"));
        float scale = 0;
        for (float v : want.get("sequence_output").data()) {
          scale = Math.max(scale, Math.abs(v));
        }
        // float32 sums in another order (smaller matmuls): exact up to rounding, relative 1e-5.
        assertTrue(
            diff <= 1e-5f * Math.max(1f, scale),
            "pruned vs masked original: " + diff + " at output scale " + scale);
      }
    }
  }

  /** The full weights with every unit the pruned model dropped zeroed in its output projection. */
  static Weights mask(Imported full, List<LayerSpec> kept) {
    ModelLayout layout = ModelLayout.of(full.spec());
    Weights w = full.weights().copy();
    int dh = full.spec().headSize();
    for (int l = 0; l < kept.size(); l++) {
      List<UnitTensor> ht = layout.headTensors(l);
      List<UnitTensor> nt = layout.neuronTensors(l);
      w.replace(
          ht.get(ht.size() - 1).name(),
          zeroRows(
              w.get(ht.get(ht.size() - 1).name()),
              dropped(kept.get(l).keptHeads(), full.spec().originalHeads()),
              dh));
      w.replace(
          nt.get(2).name(),
          zeroRows(
              w.get(nt.get(2).name()),
              dropped(kept.get(l).keptNeurons(), full.spec().originalFfn()),
              1));
    }
    return w;
  }

  static List<Integer> dropped(int[] kept, int n) {
    List<Integer> d = new ArrayList<>();
    for (int i = 0, k = 0; i < n; i++) {
      if (k < kept.length && kept[k] == i) {
        k++;
      } else {
        d.add(i);
      }
    }
    return d;
  }

  static FloatTensor zeroRows(FloatTensor t, List<Integer> units, int width) {
    float[] d = t.data().clone();
    int cols = (int) t.dim(1);
    for (int u : units) {
      java.util.Arrays.fill(d, u * width * cols, (u + 1) * width * cols, 0f);
    }
    return new FloatTensor(t.shape(), d);
  }
}
