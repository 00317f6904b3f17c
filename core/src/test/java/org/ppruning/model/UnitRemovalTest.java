package org.ppruning.model;

import static org.junit.jupiter.api.Assertions.*;
import static org.ppruning.model.TinyModels.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;

class UnitRemovalTest {
  @TempDir Path tmp;

  // Layer 0 loses heads 1 and 3 and some neurons; layer 1 loses every head; layer 2 every neuron.
  static final List<int[]> DROP_HEADS =
      List.of(new int[] {1, 3}, new int[] {0, 1, 2, 3}, new int[] {2});
  static final List<int[]> DROP_NEURONS = List.of(new int[] {0, 5, 6, 31}, new int[] {}, range(32));

  @Test
  void bertRemovalEqualsMasking() throws Exception {
    checkRemovalEqualsMasking(bertSpec(3, 16, 4, 32), 11);
  }

  @Test
  void gpt2RemovalEqualsMasking() throws Exception {
    checkRemovalEqualsMasking(gpt2Spec(3, 16, 4, 32), 12);
  }

  void checkRemovalEqualsMasking(ModelSpec spec, long seed) throws Exception {
    Weights w = randomWeights(spec, seed);
    TokenBatch b = batch(spec.vocabSize(), seed, 9, 6, 2);
    UnitRemoval.Pruned p = UnitRemoval.remove(spec, w, DROP_HEADS, DROP_NEURONS);
    assertEquals(List.of(2, 0, 3), p.spec().headsPerLayer());
    assertEquals(List.of(28, 32, 0), p.spec().ffnPerLayer());
    assertArrayEquals(new int[] {0, 2}, p.spec().layers().get(0).keptHeads());
    assertArrayEquals(new int[] {0, 1, 3}, p.spec().layers().get(2).keptHeads());
    assertTrue(p.weights().parameterCount() < w.parameterCount());
    assertEquals(CostModel.totalParams(p.spec()), p.weights().parameterCount());

    Weights masked = mask(spec, w, DROP_HEADS, DROP_NEURONS);
    Map<String, FloatTensor> want;
    Map<String, FloatTensor> got;
    try (TransformerModel full = TransformerModel.build(spec, masked, null);
        TransformerModel small = TransformerModel.build(p.spec(), p.weights(), null)) {
      want = full.serve(b);
      got = small.serve(b);
      small.export(tmp.resolve("pruned"), false);
    }
    for (String k : want.keySet()) {
      assertTrue(
          maxAbsDiff(want.get(k), got.get(k)) <= 1e-5f,
          k + " differs by " + maxAbsDiff(want.get(k), got.get(k)));
    }
    // The pruned model survives export and reload, widths and lineage included.
    try (TransformerModel back = TransformerModel.load(tmp.resolve("pruned"))) {
      assertEquals(p.spec(), back.spec());
      Map<String, FloatTensor> again = back.serve(b);
      for (String k : got.keySet()) {
        assertEquals(got.get(k), again.get(k), k);
      }
    }
    // Pruning the pruned model again maps indices through the lineage.
    UnitRemoval.Pruned twice =
        UnitRemoval.remove(
            p.spec(),
            p.weights(),
            List.of(new int[] {0}, new int[] {}, new int[] {}),
            List.of(new int[] {}, new int[] {}, new int[] {}));
    assertArrayEquals(new int[] {2}, twice.spec().layers().get(0).keptHeads());
  }

  /**
   * The reference: zero the output-projection rows of dropped heads and FFN2 rows of dropped
   * neurons.
   */
  static Weights mask(ModelSpec spec, Weights w, List<int[]> heads, List<int[]> neurons) {
    ModelLayout layout = ModelLayout.of(spec);
    Weights m = w.copy();
    for (int i = 0; i < spec.numLayers(); i++) {
      UnitTensor outProj = layout.headTensors(i).get(layout.headTensors(i).size() - 1);
      UnitTensor ffn2 = layout.neuronTensors(i).get(2);
      m.replace(outProj.name(), zeroRows(m.get(outProj.name()), heads.get(i), spec.headSize()));
      m.replace(ffn2.name(), zeroRows(m.get(ffn2.name()), neurons.get(i), 1));
    }
    return m;
  }

  static FloatTensor zeroRows(FloatTensor t, int[] units, int width) {
    float[] d = t.data().clone();
    int cols = (int) t.dim(1);
    for (int u : units) {
      for (int r = u * width; r < (u + 1) * width; r++) {
        java.util.Arrays.fill(d, r * cols, (r + 1) * cols, 0f);
      }
    }
    return new FloatTensor(t.shape(), d);
  }

  @Test
  void badDropListsAreRefused() {
    ModelSpec spec = bertSpec(1, 8, 2, 16);
    Weights w = randomWeights(spec, 1);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> UnitRemoval.remove(spec, w, List.of(new int[] {2}), List.of(new int[] {})));
    assertTrue(e.getMessage().contains("layer 0 heads: index 2 outside 0..1"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> UnitRemoval.remove(spec, w, List.of(new int[] {}), List.of(new int[] {3, 3})));
    assertTrue(e.getMessage().contains("listed twice"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> UnitRemoval.remove(spec, w, List.of(), List.of()));
    assertTrue(e.getMessage().contains("one drop list per layer"), e.getMessage());
  }

  @Test
  void slicingKeepsBlocksOfFusedProjections() {
    // [1, 3 blocks x 2 units x 2 wide]: keep unit 1 of each block.
    FloatTensor t =
        new FloatTensor(
            new long[] {1, 12}, new float[] {0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23});
    FloatTensor k = TensorSlicing.keepUnits(t, 1, 3, 2, new int[] {1});
    assertArrayEquals(new float[] {2, 3, 12, 13, 22, 23}, k.data());
    FloatTensor rows = TensorSlicing.keepUnits(t.reshape(12, 1), 0, 1, 4, new int[] {0, 2});
    assertArrayEquals(new float[] {0, 1, 2, 3, 20, 21, 22, 23}, rows.data());
  }

  @Test
  void costModelFollowsTheReferenceFormula() {
    ModelSpec bert =
        ModelSpec.unpruned(
            Architecture.BERT,
            30522,
            768,
            12,
            12,
            3072,
            512,
            2,
            Activation.GELU_TANH,
            1e-12,
            true,
            true,
            "bert-base",
            null);
    long s = 128;
    long head = 3 * s * 768 * 64 + 2 * s * s * 64 + s * 64 * 768;
    assertEquals(head, CostModel.headFlops(bert, s));
    assertEquals(12 * (12 * head + 3072 * 2 * s * 768), CostModel.encoderFlops(bert, s));
    // BERT-base with MLM head, by hand: embeddings 23,837,184 + 12 layers x 7,087,872
    // + pooler 590,592 + MLM transform, LayerNorm and output bias 622,650.
    assertEquals(110_104_890L, CostModel.totalParams(bert));
  }

  static int[] range(int n) {
    return LayerSpec.range(n);
  }
}
