package org.ppruning.importer.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.importer.onnx.OnnxBertImporter.Imported;
import org.ppruning.model.Activation;
import org.ppruning.testing.ReferenceForward;

/**
 * onnxruntime on the tiny fixture versus the plain-Java forward pass over the imported weights: the
 * fixture graph, the importer's mapping and the runner must all agree.
 */
class OnnxReferenceTest {

  @TempDir Path dir;

  // Two sequences of 5; the second has two padding positions and uses token type 1.
  static final int[] IDS = {1, 5, 7, 2, 9, 1, 3, 2, 0, 0};
  static final int[] MASK = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
  static final int[] TYPES = {0, 0, 0, 0, 0, 0, 1, 1, 0, 0};

  @Test
  void matchesJavaForwardOverImportedWeights() throws IOException {
    Path file = dir.resolve("tiny.onnx");
    Files.write(
        file, new TinyBertOnnx().build(TinyBertOnnx.randomWeights(TinyBertOnnx.spec(true), 21)));
    Imported m = OnnxBertImporter.importBert(file, TinyBertOnnx.HEADS, "tiny");
    try (OnnxReference ref = new OnnxReference(file, 1)) {
      assertEquals(
          Arrays.asList("input_ids", "attention_mask", "token_type_ids"), ref.inputNames());
      assertEquals("last_hidden_state", ref.hiddenStateOutput());
      assertTrue(ref.hasPooledOutput());

      OnnxReference.Output out = ref.runAll(IDS, MASK, TYPES, 2, 5);

      assertEquals(2 * 5 * 8, out.lastHiddenState().length);
      assertEquals(8, out.hidden());
      double maxDiff = 0;
      var expected =
          ReferenceForward.run(
              m.spec(), m.weights(), new org.ppruning.graph.TokenBatch(2, 5, IDS, MASK, TYPES));
      for (int b = 0; b < 2; b++) {
        for (int t = 0; t < 5; t++) {
          for (int i = 0; i < 8; i++) {
            maxDiff =
                Math.max(
                    maxDiff,
                    Math.abs(
                        expected.get("sequence_output")[b][t][i]
                            - out.lastHiddenState()[(b * 5 + t) * 8 + i]));
          }
        }
        for (int i = 0; i < 8; i++) {
          maxDiff =
              Math.max(
                  maxDiff,
                  Math.abs(expected.get("pooled_output")[b][0][i] - out.pooled()[b * 8 + i]));
        }
      }
      assertTrue(maxDiff < 1e-5, "onnxruntime vs Java forward: max |diff| " + maxDiff);

      // run() is the hidden state of runAll(); null mask/types mean all-ones/all-zeros.
      assertArrayEquals(out.lastHiddenState(), ref.run(IDS, MASK, TYPES, 2, 5));
      int[] ones = new int[10];
      Arrays.fill(ones, 1);
      assertArrayEquals(ref.run(IDS, ones, new int[10], 2, 5), ref.run(IDS, null, null, 2, 5));
    }
  }

  @Test
  void modelWithoutPoolerHasNoPooledOutput() throws IOException {
    Path file = dir.resolve("nopool.onnx");
    TinyBertOnnx fixture = new TinyBertOnnx();
    fixture.pooler = false;
    Files.write(file, fixture.build(TinyBertOnnx.randomWeights(TinyBertOnnx.spec(false), 22)));
    try (OnnxReference ref = new OnnxReference(file)) {
      assertFalse(ref.hasPooledOutput());
      assertNull(ref.runAll(IDS, MASK, TYPES, 2, 5).pooled());
    }
  }

  @Test
  void badInputsAreRefusedWithTheirSizes() throws IOException {
    Path file = dir.resolve("tiny.onnx");
    Files.write(
        file, new TinyBertOnnx().build(TinyBertOnnx.randomWeights(TinyBertOnnx.spec(true), 23)));
    try (OnnxReference ref = new OnnxReference(file, 1)) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> ref.run(IDS, MASK, TYPES, 2, 4));
      assertEquals("inputIds has 10 values, batch 2 x seqLen 4 needs 8", e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> ref.run(IDS, new int[3], TYPES, 2, 5));
      assertEquals("attentionMask has 3 values, batch 2 x seqLen 5 needs 10", e.getMessage());
      // Position 9 of an 8-position model: onnxruntime's own error, with the file named.
      IllegalStateException s =
          assertThrows(IllegalStateException.class, () -> ref.run(new int[9], null, null, 1, 9));
      assertTrue(
          s.getMessage().contains(file.toString()) && s.getMessage().contains("1 x 9"),
          s.getMessage());
    }
    Path notOnnx = dir.resolve("x.onnx");
    Files.writeString(notOnnx, "not a model");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new OnnxReference(notOnnx));
    assertTrue(e.getMessage().startsWith("onnxruntime cannot load " + notOnnx), e.getMessage());
  }

  @Test
  void javaReferenceErfAndGeluMatchKnownValues() {
    // erf values from tables (Abramowitz & Stegun 7.1), GELU(1) = 0.8413447460685429.
    for (double[] c :
        List.of(
            new double[] {0.5, 0.5204998778130465},
            new double[] {1, 0.8427007929497149},
            new double[] {2.4, 0.9993114861033550},
            new double[] {2.6, 0.9997639655834707},
            new double[] {3, 0.9999779095030014},
            new double[] {-1, -0.8427007929497149})) {
      assertEquals(c[1], ReferenceForward.erf(c[0]), 1e-13, "erf(" + c[0] + ")");
    }
    assertEquals(0.8413447460685429, ReferenceForward.gelu(1, Activation.GELU), 1e-13);
  }
}
