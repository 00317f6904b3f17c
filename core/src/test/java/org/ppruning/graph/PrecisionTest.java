package org.ppruning.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ppruning.model.TinyModels.batch;
import static org.ppruning.model.TinyModels.bertSpec;
import static org.ppruning.model.TinyModels.maxAbsDiff;
import static org.ppruning.model.TinyModels.randomWeights;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.Weights;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;

/**
 * bf16 sessions: close to fp32, and really rewritten (bfloat16 ops executed, outputs not
 * bit-identical); or, in a process where TensorFlow would skip the rewrite, refused. The build runs
 * this class twice: in the default test JVM and in one with {@code TF_ENABLE_ONEDNN_OPTS=1} (the
 * {@code onednn} surefire execution in core's pom), so that on a CPU where oneDNN is off by default
 * (no AVX-512) both paths are exercised.
 */
class PrecisionTest {
  @TempDir Path tmp;

  private final ModelSpec spec = bertSpec(2, 64, 4, 128);
  private final Weights weights = randomWeights(spec, 9);
  private final TokenBatch batch = batch(spec.vocabSize(), 4, 16, 9, 3);

  @Test
  void parseAcceptsTheTwoNamesAndRefusesOthersNamingTheSetting() {
    assertEquals(Precision.FP32, Precision.parse("fp32", "k"));
    assertEquals(Precision.BF16, Precision.parse(" BF16 ", "k"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Precision.parse("fp16", "some.key"));
    assertEquals("some.key: 'fp16' is not a precision; allowed: fp32, bf16", e.getMessage());
  }

  @Test
  void fp32IsTensorFlowsDefaultSession() throws Exception {
    assertEquals(0, Precision.FP32.config().getSerializedSize());
    Precision.FP32.requireSupported("k"); // never refused
    try (TransformerModel m = TransformerModel.build(spec, weights, null)) {
      assertEquals(Precision.FP32, m.precision());
      assertEquals(0, m.executedBfloat16Nodes(batch, "sequence_output"));
    }
  }

  @Test
  void bf16IsCloseToFp32AndRewrittenOrRefusedWhereTensorFlowWouldSkipIt() throws Exception {
    Path dir = tmp.resolve("m");
    FloatTensor fp32;
    try (TransformerModel m = TransformerModel.build(spec, weights, null)) {
      fp32 = m.serve(batch).get("sequence_output");
      m.export(dir, false);
    }
    if (Precision.bf16Rewrites()) {
      for (boolean fromSavedModel : new boolean[] {false, true}) {
        try (TransformerModel m =
            fromSavedModel
                ? TransformerModel.load(dir, Precision.BF16)
                : TransformerModel.build(spec, weights, null, Precision.BF16)) {
          assertEquals(Precision.BF16, m.precision());
          FloatTensor bf16 = m.serve(batch).get("sequence_output");
          double max = maxAbsDiff(fp32, bf16);
          double mean = meanAbsDiff(fp32, bf16);
          System.out.printf(
              "bf16 vs fp32 (%s): max |diff| %.4f, mean %.5f%n",
              fromSavedModel ? "loaded" : "built", max, mean);
          // LayerNorm'd outputs of unit scale; bfloat16 keeps 8 bits of mantissa (2^-8 = 0.004
          // relative per rounding), two layers of it stay well under these bounds.
          assertTrue(max < 0.25, "max |diff| " + max);
          assertTrue(mean < 0.03, "mean |diff| " + mean);
          assertTrue(mean > 1e-5, "bf16 outputs equal fp32's: the rewrite did not apply");
          assertTrue(m.executedBfloat16Nodes(batch, "sequence_output") > 10);
        }
      }
    } else {
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class, () -> TransformerModel.load(dir, Precision.BF16));
      assertTrue(e.getMessage().contains("precision=bf16"), e.getMessage());
      assertTrue(e.getMessage().contains(Precision.ONEDNN_ENV + "=1"), e.getMessage());
      assertThrows(
          IllegalStateException.class,
          () -> TransformerModel.build(spec, weights, null, Precision.BF16));
      // What the refusal prevents: TensorFlow given the rewrite silently computes in fp32.
      assertArrayEquals(fp32.data(), rawBf16Session(dir, batch).data());
    }
  }

  /** The bf16 ConfigProto handed to TensorFlow directly, none of the refusal in between. */
  private static FloatTensor rawBf16Session(Path dir, TokenBatch b) {
    try (SavedModelBundle bundle =
        SavedModelBundle.loader(dir.toString())
            .withTags("serve")
            .withConfigProto(Precision.BF16.config())
            .load()) {
      var sig = bundle.function(TransformerModel.SERVING).signature();
      Session.Runner r = bundle.session().runner();
      try (var ids = Tensors.ints(b.inputIds(), b.size(), b.seqLen());
          var mask = Tensors.ints(b.attentionMask(), b.size(), b.seqLen());
          var types = Tensors.ints(b.tokenTypeIds(), b.size(), b.seqLen())) {
        r.feed(sig.getInputs().get("input_ids").name, ids)
            .feed(sig.getInputs().get("attention_mask").name, mask)
            .feed(sig.getInputs().get("token_type_ids").name, types)
            .fetch(sig.getOutputs().get("sequence_output").name);
        try (Result res = r.run()) {
          return Tensors.copy(res.get(0));
        }
      }
    }
  }

  private static double meanAbsDiff(FloatTensor a, FloatTensor b) {
    assertFalse(a.size() == 0);
    double s = 0;
    for (int i = 0; i < a.size(); i++) {
      s += Math.abs(a.data()[i] - b.data()[i]);
    }
    return s / a.size();
  }
}
