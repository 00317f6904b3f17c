package org.ppruning.importer.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ppruning.importer.onnx.OnnxBertImporter.Imported;
import org.ppruning.model.Activation;
import org.ppruning.model.BertLayout;
import org.ppruning.model.ModelSpec;
import org.ppruning.testing.RealModels;
import org.ppruning.testing.ReferenceForward;

/**
 * Imports the real ONNX encoders from the langchain4j jars and checks their shapes, and that
 * onnxruntime on the original file agrees with a plain-Java forward pass over the imported weights
 * (so every tensor landed under the right name, in the right orientation).
 */
@Tag("real")
class OnnxRealModelsTest {

  // "[CLS] the capital of france is paris . [SEP]" and a shorter padded one (BERT uncased ids).
  static final int[] IDS = {
    101, 1996, 3007, 1997, 2605, 2003, 3000, 1012, 102,
    101, 7592, 2088, 999, 102, 0, 0, 0, 0
  };
  static final int[] MASK = {
    1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 0, 0, 0, 0
  };
  static final int BATCH = 2;
  static final int SEQ = 9;

  /**
   * Each ONNX encoder imports with the right shapes and matches onnxruntime. Parameters: 22,565,376
   * = embeddings (30522 + 512 + 2) x 384 + 2 x 384, plus 6 x 1,774,464 per layer; tensors: 16 per
   * layer + 5 embedding tensors (no pooler in these exports).
   */
  @ParameterizedTest
  @CsvSource({
    "all-minilm-l6-v2, 6, 22565376, 101",
    "bge-small-en-v1.5, 12, 33212160, -1",
    "e5-small-v2, 12, 33212160, -1"
  })
  void importsAndMatchesOnnxRuntime(String name, int layers, long params, int tensors) {
    Path file = RealModels.source(name).original();
    long t0 = System.nanoTime();
    Imported m = OnnxBertImporter.importBert(file, 12, name);
    System.out.printf(
        "import %s: %d ms, %,d parameters%n",
        file.getFileName(), (System.nanoTime() - t0) / 1_000_000, m.weights().parameterCount());
    checkSmallBert(m.spec(), layers);
    assertEquals(params, m.weights().parameterCount());
    if (tensors >= 0) {
      assertEquals(tensors, m.weights().size());
    }
    assertParity(file, m, 2e-5);
  }

  private static void checkSmallBert(ModelSpec s, int layers) {
    assertEquals(layers, s.numLayers());
    assertEquals(384, s.hiddenSize());
    assertEquals(12, s.originalHeads());
    assertEquals(32, s.headSize());
    assertEquals(1536, s.originalFfn());
    assertEquals(30522, s.vocabSize());
    assertEquals(512, s.maxPositions());
    assertEquals(2, s.typeVocabSize());
    assertEquals(Activation.GELU, s.hiddenAct());
    assertEquals(1e-12, s.layerNormEps());
    assertFalse(s.pooler());
    assertFalse(s.mlmHead());
  }

  /** onnxruntime on the original file vs the Java forward pass on the imported weights. */
  private static void assertParity(Path file, Imported m, double tolerance) {
    assertTrue(m.weights().contains(BertLayout.query(0) + "/kernel"));
    try (OnnxReference ref = new OnnxReference(file)) {
      assertFalse(ref.hasPooledOutput(), "these exports only output last_hidden_state");
      long t0 = System.nanoTime();
      float[] h = ref.run(IDS, MASK, new int[IDS.length], BATCH, SEQ);
      long runMs = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(BATCH * SEQ * 384, h.length);
      double maxDiff = 0;
      double maxAbs = 0;
      for (int b = 0; b < BATCH; b++) {
        int[] mask = Arrays.copyOfRange(MASK, b * SEQ, (b + 1) * SEQ);
        double[] expected =
            ReferenceForward.bertHidden(
                m.spec(),
                m.weights(),
                Arrays.copyOfRange(IDS, b * SEQ, (b + 1) * SEQ),
                mask,
                new int[SEQ]);
        for (int t = 0; t < SEQ; t++) {
          if (mask[t] == 0) {
            continue; // padded positions are not compared: their outputs are unused
          }
          for (int j = 0; j < 384; j++) {
            double got = h[(b * SEQ + t) * 384 + j];
            maxDiff = Math.max(maxDiff, Math.abs(got - expected[t * 384 + j]));
            maxAbs = Math.max(maxAbs, Math.abs(got));
          }
        }
      }
      System.out.printf(
          "%s: onnxruntime %d ms for %d x %d; max |onnxruntime - java| %.2e" + " (max |h| %.2f)%n",
          file.getFileName(), runMs, BATCH, SEQ, maxDiff, maxAbs);
      assertTrue(maxDiff < tolerance, "max |diff| " + maxDiff);
    }
  }
}
