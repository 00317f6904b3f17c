package org.ppruning.onnx;

import static org.junit.jupiter.api.Assertions.*;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.onnx.OnnxModel;
import org.ppruning.importer.onnx.OnnxModelReader;
import org.ppruning.importer.onnx.OnnxValueInfo;
import org.ppruning.model.Activation;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TaskHead;
import org.ppruning.model.TinyModels;
import org.ppruning.model.UnitRemoval;
import org.ppruning.model.Weights;
import org.ppruning.onnx.proto.ModelProto;

/**
 * Tiny random BERTs, some layers pruned to different widths (one to no heads, one to no neurons),
 * exported to ONNX and run by onnxruntime: every output equals TF Java's within 1e-5.
 */
class BertOnnxExporterTest {
  @TempDir Path tmp;

  /** 4 layers, d 16, 4 heads of 4, FFN 24; layer 1 keeps no heads, layer 2 no neurons. */
  static UnitRemoval.Pruned pruned(ModelSpec spec, long seed) {
    Weights w = TinyModels.randomWeights(spec, seed);
    List<int[]> heads =
        List.of(new int[] {1}, new int[] {0, 1, 2, 3}, new int[] {}, new int[] {0, 2});
    List<int[]> neurons =
        List.of(
            new int[] {0, 5, 7, 8, 20},
            new int[] {},
            range(24),
            new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17});
    return UnitRemoval.remove(spec, w, heads, neurons);
  }

  static int[] range(int n) {
    int[] r = new int[n];
    for (int i = 0; i < n; i++) {
      r[i] = i;
    }
    return r;
  }

  @Test
  void prunedEncoderWithoutHeadEqualsTensorFlow() throws Exception {
    var p = pruned(TinyModels.bertSpec(4, 16, 4, 24), 7);
    assertEquals(List.of(3, 0, 4, 2), p.spec().layers().stream().map(l -> l.heads()).toList());
    assertEquals(List.of(19, 24, 0, 7), p.spec().layers().stream().map(l -> l.ffn()).toList());
    Map<String, Float> diffs = compare(p, "sequence_output", "pooled_output", "mlm_logits");
    diffs.forEach((k, v) -> assertTrue(v <= 1e-5f, k + " differs by " + v));
  }

  @Test
  void erfGeluAndUnprunedEqualTensorFlow() throws Exception {
    ModelSpec spec = TinyModels.bertSpec(2, 16, 4, 24);
    spec = ModelSpec.fromJson(spec.toJson().replace("\"gelu_new\"", "\"gelu\""), "test");
    assertEquals(Activation.GELU, spec.hiddenAct());
    var w = TinyModels.randomWeights(spec, 3);
    Map<String, Float> diffs = compare(new UnitRemoval.Pruned(spec, w), "sequence_output");
    diffs.forEach((k, v) -> assertTrue(v <= 1e-5f, k + " differs by " + v));
  }

  @Test
  void classificationHeadsPoolerAndMeanEqualTensorFlow() throws Exception {
    for (String pooling : List.of(TaskHead.POOLER, TaskHead.MEAN)) {
      ModelSpec spec =
          TinyModels.bertSpec(4, 16, 4, 24)
              .withHead(
                  new TaskHead(TaskHead.CLASSIFICATION, List.of("a", "b", "c"), "t", pooling));
      Map<String, Float> diffs = compare(pruned(spec, 11), "logits", "probabilities");
      diffs.forEach((k, v) -> assertTrue(v <= 1e-5f, pooling + " " + k + " differs by " + v));
    }
  }

  @Test
  void regressionAndQaHeadsEqualTensorFlow() throws Exception {
    ModelSpec reg =
        TinyModels.bertSpec(4, 16, 4, 24)
            .withHead(TaskHead.of(TaskHead.REGRESSION, "t").withPooling(TaskHead.MEAN));
    compare(pruned(reg, 5), "logits", "score")
        .forEach((k, v) -> assertTrue(v <= 1e-5f, k + " differs by " + v));
    ModelSpec qa =
        TinyModels.bertSpec(4, 16, 4, 24).withHead(TaskHead.of(TaskHead.EXTRACTIVE_QA, "t"));
    compare(pruned(qa, 6), "start_logits", "end_logits")
        .forEach((k, v) -> assertTrue(v <= 1e-5f, k + " differs by " + v));
  }

  @Test
  void declaresOpsetIrAndDynamicInt32Inputs() throws Exception {
    var p = pruned(TinyModels.bertSpec(4, 16, 4, 24), 7);
    ModelProto m = BertOnnxExporter.toModel(p.spec(), p.weights(), "test");
    assertEquals(8, m.getIrVersion());
    assertEquals(17, m.getOpsetImport(0).getVersion());
    assertEquals("", m.getOpsetImport(0).getDomain());
    Path f = tmp.resolve("m.onnx");
    BertOnnxExporter.write(p.spec(), p.weights(), "test", f);
    try (OrtSession s = OrtEnvironment.getEnvironment().createSession(f.toString())) {
      assertEquals(
          List.of("input_ids", "attention_mask", "token_type_ids"), List.copyOf(s.getInputNames()));
      var ids = (ai.onnxruntime.TensorInfo) s.getInputInfo().get("input_ids").getInfo();
      assertEquals(ai.onnxruntime.OnnxJavaType.INT32, ids.type);
      assertArrayEquals(new long[] {-1, -1}, ids.getShape()); // both dimensions dynamic
      assertEquals(
          List.of("sequence_output", "pooled_output", "mlm_logits"),
          List.copyOf(s.getOutputNames()));
      String spec = s.getMetadata().getCustomMetadata().get(ModelSpec.ASSET_NAME);
      assertEquals(p.spec(), ModelSpec.fromJson(spec, "metadata"));
    }
    // Other batch and sequence sizes run on the same file.
    var out = OnnxRun.run(f, TinyModels.batch(50, 1, 20, 3, 9, 1));
    assertArrayEquals(new long[] {4, 20, 16}, out.get("sequence_output").shape());
  }

  @Test
  void theProjectsIndependentWireFormatReaderReadsTheExportBack() throws Exception {
    // OnnxModelReader was written field by field from onnx.proto with no generated classes: it
    // agreeing on every weight, input and output checks the subset proto's field numbers.
    var p = pruned(TinyModels.bertSpec(4, 16, 4, 24), 7);
    Path f = tmp.resolve("back.onnx");
    BertOnnxExporter.write(p.spec(), p.weights(), "test", f);
    OnnxModel m = OnnxModelReader.read(f);
    assertEquals(8, m.irVersion());
    assertEquals(Map.of("", 17L), m.opsets());
    for (String name : p.weights().names()) {
      if (m.initializers().containsKey(name)) {
        assertEquals(p.weights().get(name), m.initializers().get(name).toFloatTensor(), name);
      }
    }
    assertTrue(m.initializers().containsKey("bert/encoder/layer_3/intermediate/dense/kernel"));
    assertArrayEquals(
        new long[] {16, 7},
        m.initializers().get("bert/encoder/layer_3/intermediate/dense/kernel").dims());
    assertEquals(
        List.of("input_ids", "attention_mask", "token_type_ids"),
        m.inputs().stream().map(OnnxValueInfo::name).toList());
    assertEquals(
        List.of("sequence_output", "pooled_output", "mlm_logits"),
        m.outputs().stream().map(OnnxValueInfo::name).toList());
    // LayerNorm written out as TF's graph computes it (nearer TF Java than ONNX's fused op).
    assertFalse(
        m.nodes().stream().anyMatch(n -> n.opType().equals("LayerNormalization")),
        "no fused LayerNormalization");
    List<String> ops = m.nodes().stream().map(n -> n.opType()).toList();
    int layerNorms = 1 + 2 * 4 + 1; // embeddings, 2 per layer, the MLM transform
    assertEquals(2 * layerNorms, ops.stream().filter("ReduceMean"::equals).count(), "ReduceMean");
    assertEquals(layerNorms, ops.stream().filter("Reciprocal"::equals).count(), "Reciprocal");
  }

  @Test
  void refusesGpt2NamingTheModel() {
    ModelSpec spec = TinyModels.gpt2Spec(1, 8, 2, 8);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> BertOnnxExporter.toModel(spec, TinyModels.randomWeights(spec, 1), "test"));
    assertTrue(e.getMessage().contains("tiny-random-gpt2 is gpt2"), e.getMessage());
  }

  @Test
  void refusesWeightsThatDoNotMatchTheSpec() {
    var p = pruned(TinyModels.bertSpec(4, 16, 4, 24), 7);
    Weights w = p.weights().copy();
    w.replace("bert/pooler/dense/bias", FloatTensor.zeros(3));
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> BertOnnxExporter.toModel(p.spec(), w, "t"));
    assertTrue(e.getMessage().contains("bert/pooler/dense/bias"), e.getMessage());
  }

  /** Max |TF - onnxruntime| per output over two batches (padding included), for {@code names}. */
  private Map<String, Float> compare(UnitRemoval.Pruned p, String... names) throws Exception {
    Path f = tmp.resolve("model-" + System.nanoTime() + ".onnx");
    long size = BertOnnxExporter.write(p.spec(), p.weights(), "test", f);
    assertEquals(Files.size(f), size);
    Map<String, Float> diffs = new java.util.LinkedHashMap<>();
    try (TransformerModel tf = TransformerModel.build(p.spec(), p.weights(), null)) {
      for (TokenBatch b :
          List.of(TinyModels.batch(50, 2, 7, 12, 3), TinyModels.batch(50, 9, 1, 24))) {
        Map<String, FloatTensor> want = tf.serve(b);
        Map<String, FloatTensor> got = OnnxRun.run(f, b);
        assertEquals(want.keySet(), got.keySet(), "the same outputs as the SavedModel signature");
        for (String n : names) {
          diffs.merge(n, TinyModels.maxAbsDiff(want.get(n), got.get(n)), Math::max);
        }
        for (String n : want.keySet()) {
          float d = TinyModels.maxAbsDiff(want.get(n), got.get(n));
          assertTrue(d <= 1e-5f, n + " differs by " + d);
        }
      }
    }
    System.err.println("max |TF - onnxruntime| " + diffs);
    return diffs;
  }
}
