package org.ppruning.pruning.compensation;

import static org.junit.jupiter.api.Assertions.*;
import static org.ppruning.model.TinyModels.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.graph.ProfileNames;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelLayout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.UnitRemoval;
import org.ppruning.model.UnitTensor;
import org.ppruning.model.Weights;
import org.ppruning.pruning.PruningPlan;
import org.ppruning.pruning.Rewrite;
import org.ppruning.tokenize.TextTokenizer;

class CompensationTest {
  @TempDir Path tmp;

  // Two layers, 4 heads of 4 dims, 32 neurons. Layer 0: head 3 is a copy of head 1, neuron 7 of
  // neuron 2; layer 1: neuron 20 of neuron 5. The plan drops exactly the copies.
  static final PruningPlan PLAN =
      new PruningPlan(
          List.of(new int[] {0, 1, 2}, new int[] {0, 1, 2, 3}),
          List.of(without(32, 7), without(32, 20)));

  static int[] without(int n, int drop) {
    return java.util.stream.IntStream.range(0, n).filter(i -> i != drop).toArray();
  }

  static Weights duplicated(ModelSpec spec, long seed) {
    Weights w = randomWeights(spec, seed);
    ModelLayout layout = ModelLayout.of(spec);
    copyUnit(w, layout.headTensors(0), layout.attentionProjection(0), 1, 3);
    copyUnit(w, layout.neuronTensors(0), layout.ffnProjection(0), 2, 7);
    copyUnit(w, layout.neuronTensors(1), layout.ffnProjection(1), 5, 20);
    return w;
  }

  /** Makes unit {@code dst}'s input weights equal unit {@code src}'s (not the projection's). */
  static void copyUnit(
      Weights w, List<UnitTensor> tensors, ModelLayout.Projection p, int src, int dst) {
    for (UnitTensor u : tensors) {
      if (u.name().equals(p.kernel())) {
        continue;
      }
      FloatTensor t = w.get(u.name());
      float[] d = t.data().clone();
      long[] s = t.shape();
      int along = (int) s[u.axis()];
      int inner = 1;
      for (int i = u.axis() + 1; i < s.length; i++) {
        inner *= (int) s[i];
      }
      int outer = d.length / (along * inner);
      int block = along / u.blocks();
      for (int o = 0; o < outer; o++) {
        for (int b = 0; b < u.blocks(); b++) {
          for (int k = 0; k < u.width(); k++) {
            int from = (o * along + b * block + src * u.width() + k) * inner;
            int to = (o * along + b * block + dst * u.width() + k) * inner;
            System.arraycopy(t.data(), from, d, to, inner);
          }
        }
      }
      w.replace(u.name(), new FloatTensor(s, d));
    }
  }

  @Test
  void bertLeastSquaresRecoversDuplicatedUnitsExactly() throws Exception {
    checkRecovery(bertSpec(2, 16, 4, 32), 21);
  }

  @Test
  void gpt2LeastSquaresRecoversDuplicatedUnitsExactly() throws Exception {
    checkRecovery(gpt2Spec(2, 16, 4, 32), 22);
  }

  void checkRecovery(ModelSpec spec, long seed) throws Exception {
    Weights w = duplicated(spec, seed);
    Calibration cal;
    try (TextTokenizer tok = tokenizer(tmp)) {
      cal = Compensation.calibration(tok, samples(60, seed, 5, 10), spec, 400);
    }
    assertEquals(400, cal.rows());
    TokenBatch b = batch(spec.vocabSize(), seed + 1, 9, 6, 12);
    UnitRemoval.Pruned plain = Rewrite.apply(spec, w, PLAN, Map.of());
    Map<String, FloatTensor> want;
    Map<String, FloatTensor> lost;
    try (TransformerModel full = TransformerModel.build(spec, w, null);
        TransformerModel small = TransformerModel.build(plain.spec(), plain.weights(), null)) {
      want = full.serve(b);
      lost = small.serve(b);
    }
    float lostBy = 0;
    for (String k : want.keySet()) {
      lostBy = Math.max(lostBy, maxAbsDiff(want.get(k), lost.get(k)));
    }
    assertTrue(lostBy > 0.05f, "plain removal should change the output, changed by " + lostBy);
    for (CompensationSettings.Fit fit : CompensationSettings.Fit.values()) {
      UnitRemoval.Pruned p =
          Compensation.apply(
              spec,
              w,
              PLAN,
              Map.of("method", "test"),
              new CompensationSettings(CompensationSettings.Mode.LEAST_SQUARES, fit, 400, 1e-7),
              cal,
              null);
      assertEquals(plain.spec().headsPerLayer(), p.spec().headsPerLayer());
      assertEquals(plain.spec().ffnPerLayer(), p.spec().ffnPerLayer());
      Map<String, FloatTensor> got;
      try (TransformerModel small = TransformerModel.build(p.spec(), p.weights(), null)) {
        got = small.serve(b);
      }
      for (String k : want.keySet()) {
        float diff = maxAbsDiff(want.get(k), got.get(k));
        assertTrue(diff < 2e-3f, fit.id() + ": " + k + " differs by " + diff);
      }
    }
  }

  @Test
  void biasModeAddsMeanAndKeepsShapesThroughExport() throws Exception {
    ModelSpec spec = bertSpec(2, 16, 4, 32);
    Weights w = randomWeights(spec, 31);
    Calibration cal;
    try (TextTokenizer tok = tokenizer(tmp)) {
      cal = Compensation.calibration(tok, samples(20, 31, 5, 10), spec, 10_000);
    }
    // Fewer tokens than asked: all of them, and the count says so.
    assertTrue(cal.rows() > 100 && cal.rows() < 10_000, "rows " + cal.rows());
    UnitRemoval.Pruned plain = Rewrite.apply(spec, w, PLAN, Map.of());
    UnitRemoval.Pruned p =
        Compensation.apply(
            spec,
            w,
            PLAN,
            Map.of("method", "test"),
            // Fitted on the original model's activations: the mean below is the full model's.
            new CompensationSettings(
                CompensationSettings.Mode.BIAS,
                CompensationSettings.Fit.ORIGINAL,
                CompensationSettings.DEFAULT_ROWS,
                CompensationSettings.DEFAULT_RIDGE),
            cal,
            null);
    // Layer 0's FFN bias gains neuron 7's mean activation x its output row; the rows stay.
    ModelLayout.Projection ffn0 = ModelLayout.of(spec).ffnProjection(0);
    double mean7 = 0;
    try (TransformerModel full = TransformerModel.build(spec, w, null)) {
      for (int i = 0; i < cal.batches().size(); i++) {
        FloatTensor a =
            full.capture(
                    cal.batches().get(i),
                    cal.positions().get(i),
                    List.of(ProfileNames.activation(0)))
                .get(ProfileNames.activation(0));
        for (int r = 0; r < a.dim(0); r++) {
          mean7 += a.data()[r * 32 + 7];
        }
      }
    }
    mean7 /= cal.rows();
    int d = spec.hiddenSize();
    for (int j = 0; j < d; j++) {
      float want =
          (float) (w.get(ffn0.bias()).data()[j] + mean7 * w.get(ffn0.kernel()).data()[7 * d + j]);
      assertEquals(want, p.weights().get(ffn0.bias()).data()[j], 1e-4);
    }
    assertEquals(plain.weights().get(ffn0.kernel()), p.weights().get(ffn0.kernel()));
    // Same tensors and shapes as without compensation, also after export and reload.
    assertEquals(plain.weights().names(), p.weights().names());
    for (String n : plain.weights().names()) {
      assertArrayEquals(plain.weights().get(n).shape(), p.weights().get(n).shape(), n);
    }
    Object c = ((Map<?, ?>) p.spec().metadata().get("pruning")).get("compensation");
    assertEquals("bias", ((Map<?, ?>) c).get("mode"));
    assertEquals(cal.rows(), ((Map<?, ?>) c).get("rows"));
    try (TransformerModel small = TransformerModel.build(p.spec(), p.weights(), null)) {
      small.export(tmp.resolve("out"), false);
    }
    try (TransformerModel back = TransformerModel.load(tmp.resolve("out"))) {
      Weights again = back.readWeights();
      for (String n : plain.weights().names()) {
        assertArrayEquals(plain.weights().get(n).shape(), again.get(n).shape(), n);
      }
      assertEquals(p.weights().get(ffn0.bias()), again.get(ffn0.bias()));
    }
  }

  @Test
  void settingsRefuseBadValuesByName() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> CompensationSettings.Mode.of("ls"));
    assertTrue(e.getMessage().contains("[none, bias, least-squares]"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new CompensationSettings(
                    CompensationSettings.Mode.BIAS, CompensationSettings.Fit.ORIGINAL, 8, 1e-2));
    assertTrue(e.getMessage().contains("got 8"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new CompensationSettings(
                CompensationSettings.Mode.BIAS, CompensationSettings.Fit.ORIGINAL, 100, 0));
    List<String> fits = new ArrayList<>();
    for (CompensationSettings.Fit f : CompensationSettings.Fit.values()) {
      fits.add(f.id());
      assertEquals(f, CompensationSettings.Fit.of(f.id()));
    }
    assertEquals(List.of("original", "sequential", "sequential-to-original"), fits);
  }
}
