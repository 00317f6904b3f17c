package org.ppruning.pruning.run;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.ppruning.data.Sample;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.BertLayout;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TinyModels;
import org.ppruning.model.Weights;
import org.ppruning.pruning.Budget;
import org.ppruning.pruning.PruningPlan;
import org.ppruning.pruning.Rewrite;
import org.ppruning.pruning.Selection;
import org.ppruning.pruning.clustering.LinkageMode;
import org.ppruning.summary.FeatureCollector;
import org.ppruning.tokenize.TextTokenizer;

/** The algorithm end to end on a tiny BERT with planted redundant units. */
class PPruningTest {
  @TempDir Path tmp;

  static final int D = 16;
  static final int DH = 4;

  /**
   * Tiny BERT where layer 0 head 1 is head 0 with values doubled; neurons 5, 9 copy 3; L1 n7 = n2.
   */
  static Weights planted(ModelSpec spec) {
    Weights w = TinyModels.randomWeights(spec, 21);
    for (String p : new String[] {BertLayout.query(0), BertLayout.key(0), BertLayout.value(0)}) {
      float scale = p.equals(BertLayout.value(0)) ? 2f : 1f;
      w.replace(p + "/kernel", copyColumns(w.get(p + "/kernel"), 0, 1, DH, scale));
      w.replace(
          p + "/bias", copyColumns(w.get(p + "/bias").reshape(1, D), 0, 1, DH, scale).reshape(D));
    }
    String f0 = BertLayout.intermediate(0);
    for (int copy : new int[] {5, 9}) {
      w.replace(f0 + "/kernel", copyColumns(w.get(f0 + "/kernel"), 3, copy, 1, 1f));
      w.replace(
          f0 + "/bias",
          copyColumns(w.get(f0 + "/bias").reshape(1, 32), 3, copy, 1, 1f).reshape(32));
    }
    String f1 = BertLayout.intermediate(1);
    w.replace(f1 + "/kernel", copyColumns(w.get(f1 + "/kernel"), 2, 7, 1, 1f));
    w.replace(
        f1 + "/bias", copyColumns(w.get(f1 + "/bias").reshape(1, 32), 2, 7, 1, 1f).reshape(32));
    return w;
  }

  static FloatTensor copyColumns(FloatTensor t, int fromUnit, int toUnit, int width, float scale) {
    float[] d = t.data().clone();
    int cols = (int) t.dim(1);
    for (int r = 0; r < t.dim(0); r++) {
      for (int c = 0; c < width; c++) {
        d[r * cols + toUnit * width + c] = scale * d[r * cols + fromUnit * width + c];
      }
    }
    return new FloatTensor(t.shape(), d);
  }

  TextTokenizer tokenizer() throws Exception {
    return TinyModels.tokenizer(tmp);
  }

  static List<Sample> samples(int n, long seed) {
    return TinyModels.samples(n, seed, 3, 12);
  }

  @ParameterizedTest
  @EnumSource(LinkageMode.class)
  void plantedCopiesShareAClusterAndTheMostSalientSurvives(LinkageMode mode) throws Exception {
    ModelSpec spec = TinyModels.bertSpec(2, D, 4, 32);
    Weights w = planted(spec);
    try (TransformerModel m = TransformerModel.build(spec, w, null);
        TextTokenizer tok = tokenizer()) {
      ActivationFeatures f =
          FeatureCollector.collect(m, tok, samples(40, 1), 100, 7, 8, System.err);
      // Keep exactly the cost of the planted redundancy: 7 of 8 heads, 61 of 64 neurons.
      Budget b = new Budget(Budget.Kind.FLOPS, 0.5, 5, 7 / 8.0, 61 / 64.0, 12);
      PPruning.Result r =
          PPruning.plan(spec, w, f, new PPruning.Config(Method.P_PRUNING, mode, b, 1));
      assertArrayEquals(
          new int[] {1, 2, 3}, r.plan().keepHeads().get(0), "head 1 (2x head 0) kept");
      assertArrayEquals(new int[] {0, 1, 2, 3}, r.plan().keepHeads().get(1));
      int[] n0 = r.plan().keepNeurons().get(0);
      assertEquals(30, n0.length);
      assertTrue(Arrays.stream(n0).anyMatch(x -> x == 3));
      assertTrue(Arrays.stream(n0).noneMatch(x -> x == 5 || x == 9), Arrays.toString(n0));
      int[] n1 = r.plan().keepNeurons().get(1);
      assertEquals(31, n1.length);
      assertTrue(Arrays.stream(n1).noneMatch(x -> x == 7), Arrays.toString(n1));
      // The copies' activations are exact multiples, but Distances' float32 Gram matmul rounds
      // |cos| of two equal unit columns to 1 within a few ulps (below 1 for some values).
      assertEquals(0.0, r.heads().threshold(), 1e-6);
      assertEquals(0.0, r.neurons().threshold(), 1e-6);
      assertEquals(List.of(2, 1, 1), Arrays.stream(r.headClusters().get(0)).boxed().toList());
    }
  }

  @Test
  void budgetIsMetAndResultIsDeterministic() throws Exception {
    ModelSpec spec = TinyModels.bertSpec(2, D, 4, 32);
    Weights w = TinyModels.randomWeights(spec, 5);
    try (TransformerModel m = TransformerModel.build(spec, w, null);
        TextTokenizer tok = tokenizer()) {
      List<Sample> s = samples(60, 2);
      ActivationFeatures f = FeatureCollector.collect(m, tok, s, 150, 11, 16, System.err);
      ActivationFeatures again = FeatureCollector.collect(m, tok, s, 150, 11, 16, System.err);
      ActivationFeatures rebatched = FeatureCollector.collect(m, tok, s, 150, 11, 5, System.err);
      for (int l = 0; l < 2; l++) {
        assertEquals(f.layers().get(l).neurons(), again.layers().get(l).neurons());
        assertArrayEquals(
            f.layers().get(l).neuronSalience(), again.layers().get(l).neuronSalience());
        assertEquals(
            0f,
            TinyModels.maxAbsDiff(f.layers().get(l).heads(), rebatched.layers().get(l).heads()),
            1e-5f,
            "batching does not change features");
      }
      for (double keep : new double[] {0.95, 0.85, 0.75}) {
        Budget b = new Budget(Budget.Kind.FLOPS, keep, 5, null, null, 12);
        var c = new PPruning.Config(Method.P_PRUNING, LinkageMode.DIRECT, b, 1);
        PPruning.Result r = PPruning.plan(spec, w, f, c);
        PPruning.Result r2 = PPruning.plan(spec, w, again, c);
        for (int l = 0; l < 2; l++) {
          assertArrayEquals(r.plan().keepNeurons().get(l), r2.plan().keepNeurons().get(l));
          assertArrayEquals(r.plan().keepHeads().get(l), r2.plan().keepHeads().get(l));
        }
        double kept =
            b.cost(spec, r.plan().headsPerLayer(), r.plan().ffnPerLayer())
                / (double) b.cost(spec, spec.headsPerLayer(), spec.ffnPerLayer());
        assertTrue(kept <= keep + 1e-9, "kept " + kept + " > " + keep);
      }
    }
  }

  /** Baselines keep P-pruning's per-layer widths; only the choice of units differs. */
  @ParameterizedTest
  @EnumSource(Method.class)
  void baselinesKeepTheSameWidths(Method method) throws Exception {
    ModelSpec spec = TinyModels.bertSpec(2, D, 4, 32);
    Weights w = TinyModels.randomWeights(spec, 8);
    try (TransformerModel m = TransformerModel.build(spec, w, null);
        TextTokenizer tok = tokenizer()) {
      ActivationFeatures f = FeatureCollector.collect(m, tok, samples(30, 3), 80, 3, 8, System.err);
      Budget b = new Budget(Budget.Kind.FLOPS, 0.6, 5, null, null, 12);
      PPruning.Result p =
          PPruning.plan(
              spec, w, f, new PPruning.Config(Method.P_PRUNING, LinkageMode.DIRECT, b, 1));
      PPruning.Result r =
          PPruning.plan(spec, w, f, new PPruning.Config(method, LinkageMode.DIRECT, b, 1));
      assertEquals(p.plan().headsPerLayer(), r.plan().headsPerLayer());
      assertEquals(p.plan().ffnPerLayer(), r.plan().ffnPerLayer());
      // The rewrite really shrinks the model and it still runs.
      var pruned = Rewrite.apply(spec, w, r.plan(), java.util.Map.of("method", method.id()));
      try (TransformerModel small = TransformerModel.build(pruned.spec(), pruned.weights(), null)) {
        assertEquals(r.plan().ffnPerLayer(), small.spec().ffnPerLayer());
        assertEquals(
            method.id(),
            ((java.util.Map<?, ?>) small.spec().metadata().get("pruning")).get("method"));
      }
    }
  }

  /** atWidths keeps exactly the given counts, and plan's baselines are atWidths at P-pruning's. */
  @Test
  void atWidthsKeepsGivenCountsAndEqualsPlanBaselines() throws Exception {
    ModelSpec spec = TinyModels.bertSpec(2, D, 4, 32);
    Weights w = TinyModels.randomWeights(spec, 8);
    try (TransformerModel m = TransformerModel.build(spec, w, null);
        TextTokenizer tok = tokenizer()) {
      ActivationFeatures f = FeatureCollector.collect(m, tok, samples(30, 3), 80, 3, 8, System.err);
      Budget b = new Budget(Budget.Kind.FLOPS, 0.6, 5, null, null, 12);
      PPruning.Result p =
          PPruning.plan(
              spec, w, f, new PPruning.Config(Method.P_PRUNING, LinkageMode.DIRECT, b, 1));
      int[] heads = p.plan().headsPerLayer().stream().mapToInt(Integer::intValue).toArray();
      int[] neurons = p.plan().ffnPerLayer().stream().mapToInt(Integer::intValue).toArray();
      for (Method method :
          new Method[] {Method.RANDOM, Method.WEIGHT_MAGNITUDE, Method.ACTIVATION}) {
        PruningPlan a = PPruning.atWidths(spec, w, f, method, heads, neurons, 1);
        PruningPlan r =
            PPruning.plan(spec, w, f, new PPruning.Config(method, LinkageMode.DIRECT, b, 1)).plan();
        for (int l = 0; l < 2; l++) {
          assertArrayEquals(r.keepHeads().get(l), a.keepHeads().get(l), method + " layer " + l);
          assertArrayEquals(r.keepNeurons().get(l), a.keepNeurons().get(l), method + " " + l);
        }
      }
      // Any widths, not only P-pruning's: weight magnitude keeps the 3 largest-L1 neurons.
      PruningPlan three =
          PPruning.atWidths(
              spec, w, f, Method.WEIGHT_MAGNITUDE, new int[] {4, 1}, new int[] {3, 32}, 1);
      double[] l1 =
          PPruning.unitL1(w, org.ppruning.model.ModelLayout.of(spec).neuronTensors(0), 32);
      assertArrayEquals(Selection.topK(l1, 3), three.keepNeurons().get(0));
      assertEquals(List.of(4, 1), three.headsPerLayer());
      assertEquals(List.of(3, 32), three.ffnPerLayer());
      assertThrows(
          IllegalArgumentException.class,
          () ->
              PPruning.atWidths(spec, w, f, Method.RANDOM, new int[] {5, 1}, new int[] {3, 3}, 1));
      assertThrows(
          IllegalArgumentException.class,
          () -> PPruning.atWidths(spec, w, f, Method.P_PRUNING, heads, neurons, 1));
    }
  }

  @Test
  void weightMagnitudeScoresEachUnitsOwnWeights() {
    ModelSpec spec = TinyModels.bertSpec(1, 8, 2, 4);
    Weights w = TinyModels.randomWeights(spec, 1);
    var layout = org.ppruning.model.ModelLayout.of(spec);
    double[] s = PPruning.unitL1(w, layout.neuronTensors(0), 4);
    double want = 0;
    FloatTensor k1 = w.get(BertLayout.intermediate(0) + "/kernel"); // [8, 4]
    FloatTensor k2 = w.get(BertLayout.output(0) + "/kernel"); // [4, 8]
    for (int r = 0; r < 8; r++) {
      want += Math.abs(k1.data()[r * 4 + 2]) + Math.abs(k2.data()[2 * 8 + r]);
    }
    want += Math.abs(w.get(BertLayout.intermediate(0) + "/bias").data()[2]);
    assertEquals(want, s[2], 1e-5);
  }
}
