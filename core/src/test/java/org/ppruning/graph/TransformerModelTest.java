package org.ppruning.graph;

import static org.junit.jupiter.api.Assertions.*;
import static org.ppruning.model.TinyModels.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.Weights;
import org.ppruning.testing.ReferenceForward;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

class TransformerModelTest {
  @TempDir Path tmp;

  /** The TF graph agrees with an independent float64 implementation, padding included. */
  @Test
  void bertGraphMatchesReferenceImplementation() {
    ModelSpec spec = bertSpec(2, 16, 4, 32);
    Weights w = randomWeights(spec, 1);
    TokenBatch b = batch(spec.vocabSize(), 2, 7, 4, 1);
    try (TransformerModel m = TransformerModel.build(spec, w, null)) {
      Map<String, FloatTensor> out = m.serve(b);
      Map<String, double[][][]> ref = ReferenceForward.run(spec, w, b);
      assertEquals(3, out.size());
      assertArrayEquals(new long[] {3, 7, 16}, out.get("sequence_output").shape());
      assertArrayEquals(new long[] {3, 16}, out.get("pooled_output").shape());
      assertArrayEquals(new long[] {3, 7, 50}, out.get("mlm_logits").shape());
      assertTrue(maxDiffMasked(out.get("sequence_output"), ref.get("sequence_output"), b) < 1e-4);
      assertTrue(maxDiffMasked(out.get("mlm_logits"), ref.get("mlm_logits"), b) < 1e-3);
      double[][][] pooled = ref.get("pooled_output");
      for (int n = 0; n < 3; n++) {
        for (int c = 0; c < 16; c++) {
          assertEquals(pooled[n][0][c], out.get("pooled_output").data()[n * 16 + c], 1e-4);
        }
      }
    }
  }

  @Test
  void gpt2GraphMatchesReferenceImplementation() {
    ModelSpec spec = gpt2Spec(2, 16, 4, 32);
    Weights w = randomWeights(spec, 3);
    TokenBatch b = batch(spec.vocabSize(), 4, 6, 3);
    try (TransformerModel m = TransformerModel.build(spec, w, null)) {
      Map<String, FloatTensor> out = m.serve(b);
      assertArrayEquals(new long[] {2, 6, 50}, out.get("logits").shape());
      assertTrue(
          maxDiffMasked(out.get("logits"), ReferenceForward.run(spec, w, b).get("logits"), b)
              < 1e-3);
    }
  }

  @Test
  void exportLoadIsBitIdenticalAndKeepsSpecAndWeights() throws Exception {
    ModelSpec spec = bertSpec(2, 16, 4, 32);
    Weights w = randomWeights(spec, 5);
    TokenBatch b = batch(spec.vocabSize(), 6, 5, 5);
    Path dir = tmp.resolve("model");
    Map<String, FloatTensor> before;
    try (TransformerModel m = TransformerModel.build(spec, w, null)) {
      before = m.serve(b);
      m.export(dir, false);
      // An existing output is refused without force, and replaced with it.
      var e = assertThrows(IllegalArgumentException.class, () -> m.export(dir, false));
      assertTrue(e.getMessage().contains("--force"), e.getMessage());
      m.export(dir, true);
    }
    try (TransformerModel m = TransformerModel.load(dir)) {
      assertEquals(spec, m.spec());
      Map<String, FloatTensor> after = m.serve(b);
      for (String k : before.keySet()) {
        assertEquals(before.get(k), after.get(k), k);
      }
      Weights back = m.readWeights();
      for (String name : w.names()) {
        assertEquals(w.get(name), back.get(name), name);
      }
    }
    try (var files = Files.list(tmp)) {
      assertEquals(1, files.count(), "no partial folders left behind");
    }
  }

  /** A program with none of our classes loads the SavedModel and calls serving_default. */
  @Test
  void plainTensorFlowJavaLoadsTheExport() throws Exception {
    ModelSpec spec = bertSpec(1, 8, 2, 16);
    Weights w = randomWeights(spec, 7);
    TokenBatch b = batch(spec.vocabSize(), 8, 4, 2);
    Path dir = tmp.resolve("plain");
    FloatTensor expected;
    try (TransformerModel m = TransformerModel.build(spec, w, null)) {
      expected = m.serve(b).get("sequence_output");
      m.export(dir, false);
    }
    try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve");
        TInt32 ids = TInt32.tensorOf(Shape.of(2, 4), DataBuffers.of(b.inputIds(), true, false));
        TInt32 mask =
            TInt32.tensorOf(Shape.of(2, 4), DataBuffers.of(b.attentionMask(), true, false));
        TInt32 types =
            TInt32.tensorOf(Shape.of(2, 4), DataBuffers.of(b.tokenTypeIds(), true, false));
        Result r =
            bundle
                .function("serving_default")
                .call(
                    Map.<String, Tensor>of(
                        "input_ids", ids, "attention_mask", mask, "token_type_ids", types))) {
      TFloat32 seq = (TFloat32) r.get("sequence_output").orElseThrow();
      float[] got = new float[(int) seq.shape().size()];
      seq.asRawTensor().data().asFloats().read(got);
      assertArrayEquals(expected.data(), got);
    }
  }

  /**
   * Profile captures equal the activations at the asked positions; per-sample sums skip padding.
   */
  @Test
  void profileReturnsSampledActivationsAndSalience() {
    ModelSpec spec = bertSpec(2, 16, 4, 32);
    Weights w = randomWeights(spec, 9);
    TokenBatch b = batch(spec.vocabSize(), 10, 5, 3);
    int n = b.size() * b.seqLen();
    int[] all = new int[n];
    for (int i = 0; i < n; i++) {
      all[i] = i;
    }
    try (TransformerModel m = TransformerModel.build(spec, w, null)) {
      Map<String, FloatTensor> full = m.profile(b, all);
      Map<String, FloatTensor> some = m.profile(b, new int[] {7, 0, 2});
      assertEquals(8f, full.get(ProfileNames.TOKEN_COUNT).data()[0]);
      for (int layer = 0; layer < 2; layer++) {
        FloatTensor ctx = full.get(ProfileNames.context(layer));
        FloatTensor act = full.get(ProfileNames.activation(layer));
        assertArrayEquals(new long[] {n, 16}, ctx.shape());
        assertArrayEquals(new long[] {n, 32}, act.shape());
        FloatTensor picked = some.get(ProfileNames.activation(layer));
        assertArrayEquals(new long[] {3, 32}, picked.shape());
        for (int c = 0; c < 32; c++) {
          assertEquals(act.data()[7 * 32 + c], picked.data()[c]);
          assertEquals(act.data()[2 * 32 + c], picked.data()[2 * 32 + c]);
        }
        FloatTensor ctxSum = full.get(ProfileNames.contextAbsSum(layer));
        FloatTensor actSum = full.get(ProfileNames.activationAbsSum(layer));
        assertArrayEquals(new long[] {2, 16}, ctxSum.shape());
        assertArrayEquals(new long[] {2, 32}, actSum.shape());
        int t0 = b.seqLen();
        for (int row = 0; row < 2; row++) {
          for (int c = 0; c < 16; c++) {
            double s = 0;
            for (int t = row * t0; t < (row + 1) * t0; t++) {
              s += b.attentionMask()[t] * Math.abs(ctx.data()[t * 16 + c]);
            }
            assertEquals(s, ctxSum.data()[row * 16 + c], 1e-5 * Math.max(1, s));
          }
          for (int f = 0; f < 32; f++) {
            double s = 0;
            for (int t = row * t0; t < (row + 1) * t0; t++) {
              s += b.attentionMask()[t] * Math.abs(act.data()[t * 32 + f]);
            }
            assertEquals(s, actSum.data()[row * 32 + f], 1e-5 * Math.max(1, s));
          }
        }
      }
      var e = assertThrows(IllegalArgumentException.class, () -> m.profile(b, new int[] {n}));
      assertTrue(e.getMessage().contains("position " + n), e.getMessage());
    }
  }

  @Test
  void sequenceLongerThanPositionsIsRefused() {
    ModelSpec spec = bertSpec(1, 8, 2, 16);
    try (TransformerModel m = TransformerModel.build(spec, randomWeights(spec, 1), null)) {
      TokenBatch tooLong = batch(spec.vocabSize(), 1, spec.maxPositions() + 1);
      var e = assertThrows(IllegalArgumentException.class, () -> m.serve(tooLong));
      assertTrue(e.getMessage().contains("exceeds the model's 24 positions"), e.getMessage());
    }
  }

  @Test
  void weightsThatDoNotMatchTheSpecAreRefusedByName() {
    ModelSpec spec = bertSpec(1, 8, 2, 16);
    Weights w = randomWeights(spec, 1);
    w.replace("bert/encoder/layer_0/intermediate/dense/kernel", FloatTensor.zeros(8, 15));
    var e =
        assertThrows(IllegalArgumentException.class, () -> TransformerModel.build(spec, w, null));
    assertTrue(
        e.getMessage()
            .contains(
                "tensor 'bert/encoder/layer_0/intermediate/dense/kernel' has shape [8, 15], spec needs [8, 16]"),
        e.getMessage());
  }

  @Test
  void loadingSomethingElseIsAClearError() throws Exception {
    Path notModel = Files.createDirectories(tmp.resolve("empty"));
    var e = assertThrows(IllegalArgumentException.class, () -> TransformerModel.load(notModel));
    assertTrue(e.getMessage().contains("not a SavedModel"), e.getMessage());
  }

  /** Max |diff| over real (non-padding) token rows of [B, T, w] outputs. */
  static double maxDiffMasked(FloatTensor got, double[][][] ref, TokenBatch b) {
    int t = b.seqLen();
    int width = (int) got.dim(2);
    double m = 0;
    for (int n = 0; n < b.size(); n++) {
      for (int j = 0; j < t; j++) {
        if (b.attentionMask()[n * t + j] == 0) {
          continue;
        }
        for (int c = 0; c < width; c++) {
          m = Math.max(m, Math.abs(got.data()[(n * t + j) * width + c] - ref[n][j][c]));
        }
      }
    }
    return m;
  }
}
