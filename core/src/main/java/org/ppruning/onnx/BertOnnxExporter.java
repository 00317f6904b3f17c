package org.ppruning.onnx;

import static org.ppruning.model.BertLayout.*;
import static org.ppruning.onnx.OnnxGraph.intAttr;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.ppruning.model.Activation;
import org.ppruning.model.Architecture;
import org.ppruning.model.LayerSpec;
import org.ppruning.model.ModelLayout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TaskHead;
import org.ppruning.model.Weights;
import org.ppruning.onnx.proto.ModelProto;
import org.ppruning.onnx.proto.OperatorSetIdProto;
import org.ppruning.onnx.proto.StringStringEntryProto;
import org.ppruning.onnx.proto.TensorProto.DataType;

/**
 * Writes a ppruning BERT-family model (BERT, MiniLM: any per-layer head count and FFN width, and
 * any task head) as a standard ONNX model, opset {@value #OPSET}, IR version {@value #IR_VERSION}.
 * The graph is {@link org.ppruning.graph.BertGraph}'s maths op for op: the same embedding sums,
 * LayerNorm written out in TF's op order with the spec's epsilon, the additive -10000 key-padding
 * bias, GELU written out from {@code Erf} (or the tanh form, as the spec says), BERT's pooler and
 * the head. Inputs are those of the SavedModel's {@code serving_default} ({@code input_ids}, {@code
 * attention_mask}, {@code token_type_ids}, int32 {@code [batch, sequence]}, both dimensions
 * dynamic); outputs are its outputs, by the same names. Weights keep their checkpoint names as
 * initializer names.
 *
 * <pre>{@code
 * try (TransformerModel m = TransformerModel.load(dir)) {
 *   BertOnnxExporter.write(m.spec(), m.readWeights(), "0.1.0", Path.of("model.onnx"));
 * }
 * }</pre>
 */
public final class BertOnnxExporter {
  /** The ai.onnx operator set written (ReduceMean takes its axes as an attribute up to 17). */
  public static final int OPSET = 17;

  /** The IR version of opset 17 (ONNX 1.12). */
  public static final int IR_VERSION = 8;

  /** Largest file protobuf can write in one message (2 GiB - 1), less room for the graph. */
  static final long MAX_WEIGHT_BYTES = Integer.MAX_VALUE - (16L << 20);

  private static final String BATCH = "batch";
  private static final String SEQUENCE = "sequence";

  private BertOnnxExporter() {}

  /**
   * The ONNX model of {@code spec} with {@code weights}.
   *
   * @param producerVersion the ppruning version recorded as the producer
   * @throws IllegalArgumentException if the model is not of the BERT family, its weights do not
   *     match the spec, or it is too large for one ONNX file
   */
  public static ModelProto toModel(ModelSpec spec, Weights weights, String producerVersion) {
    String what = spec.source() == null ? "the model" : spec.source();
    if (spec.architecture() != Architecture.BERT) {
      throw new IllegalArgumentException(
          "ONNX export supports the bert architecture (BERT, MiniLM and other BERT-family"
              + " encoders); "
              + what
              + " is "
              + spec.architecture().id());
    }
    ModelLayout.of(spec).check(weights, what);
    long bytes = 4 * weights.parameterCount();
    if (bytes > MAX_WEIGHT_BYTES) {
      throw new IllegalArgumentException(
          what
              + " has "
              + bytes
              + " bytes of weights; one ONNX file holds at most "
              + MAX_WEIGHT_BYTES
              + " (protobuf's 2 GiB limit), and external data files are not written");
    }
    OnnxGraph g = new OnnxGraph("ppruning_bert");
    graph(g, spec, weights);
    ModelProto.Builder m =
        ModelProto.newBuilder()
            .setIrVersion(IR_VERSION)
            .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
            .setProducerName("ppruning")
            .setProducerVersion(producerVersion)
            .setDocString(
                "ppruning "
                    + spec.architecture().id()
                    + " model from "
                    + what
                    + ", per-layer heads "
                    + spec.layers().stream().map(LayerSpec::heads).toList()
                    + ", FFN widths "
                    + spec.layers().stream().map(LayerSpec::ffn).toList())
            .setGraph(g.build());
    m.addMetadataProps(
        StringStringEntryProto.newBuilder().setKey(ModelSpec.ASSET_NAME).setValue(spec.toJson()));
    return m.build();
  }

  /**
   * Writes the ONNX model of {@code spec} to {@code out}, as {@link #write(ModelProto, Path)}.
   *
   * @return the file's size in bytes
   */
  public static long write(ModelSpec spec, Weights weights, String producerVersion, Path out)
      throws IOException {
    return write(toModel(spec, weights, producerVersion), out);
  }

  /**
   * Writes {@code model} to {@code out} through a temporary file beside it, renamed into place, so
   * no reader sees half a file.
   *
   * @return the file's size in bytes
   */
  public static long write(ModelProto model, Path out) throws IOException {
    Path dir = out.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + out.getFileName(), ".tmp");
    try {
      try (OutputStream o = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
        model.writeTo(o);
      }
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return Files.size(out);
  }

  /** The graph, top-down as in BertGraph. Activations are [B, T, width] throughout. */
  private static void graph(OnnxGraph g, ModelSpec spec, Weights w) {
    float eps = (float) spec.layerNormEps();
    g.input("input_ids", DataType.INT32, BATCH, SEQUENCE);
    g.input("attention_mask", DataType.INT32, BATCH, SEQUENCE);
    g.input("token_type_ids", DataType.INT32, BATCH, SEQUENCE);

    // Embeddings: (word + position) + token type, then LayerNorm.
    String e = "embeddings";
    String shape = g.op(e, "Shape", List.of("input_ids")); // [2] = (B, T)
    String seq = g.op(e, "Gather", List.of(shape, g.int64(true, 1)), intAttr("axis", 0)); // T
    String positions =
        g.op(e, "Range", List.of(g.int64(true, 0), seq, g.int64(true, 1))); // [T] int64
    String word = g.op(e, "Gather", List.of(weight(g, w, WORD_EMBEDDINGS), "input_ids")); // [B,T,d]
    String pos = g.op(e, "Gather", List.of(weight(g, w, POSITION_EMBEDDINGS), positions)); // [T,d]
    String type = g.op(e, "Gather", List.of(weight(g, w, TOKEN_TYPE_EMBEDDINGS), "token_type_ids"));
    String sum = g.op(e, "Add", List.of(g.op(e, "Add", List.of(word, pos)), type)); // [B, T, d]
    String x = layerNorm(g, w, e, sum, EMBEDDINGS_LN, eps);

    // Key-padding bias (1 - mask) * -10000, [B, 1, 1, T].
    String mask = g.op("mask", "Cast", List.of("attention_mask"), intAttr("to", 1)); // [B,T] f32
    String notMask = g.op("mask", "Sub", List.of(g.scalar(1f), mask));
    String bias = g.op("mask", "Mul", List.of(notMask, g.scalar(-10000f)));
    String maskBias = g.op("mask", "Unsqueeze", List.of(bias, g.int64(false, 1, 2)));

    for (int i = 0; i < spec.numLayers(); i++) {
      LayerSpec layer = spec.layers().get(i);
      String a = "layer_" + i + "/attention";
      String attnOut =
          layer.heads() == 0
              ? weight(g, w, attentionOutput(i) + "/bias") // [d]: only the bias survives
              : dense(
                  g,
                  w,
                  a,
                  attention(g, w, a, x, maskBias, i, layer.heads(), spec),
                  attentionOutput(i));
      x = layerNorm(g, w, a, g.op(a, "Add", List.of(x, attnOut)), attentionLn(i), eps);

      String f = "layer_" + i + "/ffn";
      String ffnOut =
          layer.ffn() == 0
              ? weight(g, w, output(i) + "/bias")
              : dense(
                  g,
                  w,
                  f,
                  gelu(g, f, dense(g, w, f, x, intermediate(i)), spec.hiddenAct()),
                  output(i));
      x = layerNorm(g, w, f, g.op(f, "Add", List.of(x, ffnOut)), outputLn(i), eps);
    }
    outputs(g, spec, w, x, mask);
  }

  /** The serving outputs, in the SavedModel signature's order and under its names. */
  private static void outputs(OnnxGraph g, ModelSpec spec, Weights w, String x, String mask) {
    int d = spec.hiddenSize();
    g.output(
        g.opNamed("sequence_output", "Identity", List.of(x)), DataType.FLOAT, BATCH, SEQUENCE, d);
    String pooled = null;
    if (spec.pooler()) {
      String first = g.op("pooler", "Gather", List.of(x, g.int64(true, 0)), intAttr("axis", 1));
      pooled = g.op("pooler", "Tanh", List.of(dense(g, w, "pooler", first, POOLER))); // [B, d]
      g.output(g.opNamed("pooled_output", "Identity", List.of(pooled)), DataType.FLOAT, BATCH, d);
    }
    TaskHead head = spec.head();
    if (head != null && head.readsSentence()) {
      String c = "classifier";
      String sentence = head.usesPooler() ? pooled : maskedMean(g, c, x, mask);
      String logits = dense(g, w, c, sentence, CLASSIFIER); // [B, labels] or [B, 1]
      int width = head.classifierOutputs();
      g.output(g.opNamed("logits", "Identity", List.of(logits)), DataType.FLOAT, BATCH, width);
      if (head.type().equals(TaskHead.REGRESSION)) {
        g.opNamed("score", "Reshape", List.of(logits, g.int64(false, -1)));
        g.output("score", DataType.FLOAT, BATCH);
      } else {
        g.opNamed("probabilities", "Softmax", List.of(logits), intAttr("axis", -1));
        g.output("probabilities", DataType.FLOAT, BATCH, width);
      }
    }
    if (head != null && head.type().equals(TaskHead.EXTRACTIVE_QA)) {
      String span = dense(g, w, "qa", x, QA_OUTPUTS); // [B, T, 2]
      g.opNamed("start_logits", "Gather", List.of(span, g.int64(true, 0)), intAttr("axis", 2));
      g.opNamed("end_logits", "Gather", List.of(span, g.int64(true, 1)), intAttr("axis", 2));
      g.output("start_logits", DataType.FLOAT, BATCH, SEQUENCE);
      g.output("end_logits", DataType.FLOAT, BATCH, SEQUENCE);
    }
    if (spec.mlmHead()) {
      String m = "mlm";
      String t = gelu(g, m, dense(g, w, m, x, MLM_TRANSFORM), spec.hiddenAct());
      t = layerNorm(g, w, m, t, MLM_TRANSFORM_LN, (float) spec.layerNormEps());
      String flat = g.op(m, "Reshape", List.of(t, g.int64(false, -1, d))); // [N, d]
      // The decoder is tied to the word embeddings [V, d]: Gemm with transB, no transposed copy.
      String logits =
          g.op(
              m,
              "Gemm",
              List.of(flat, weight(g, w, WORD_EMBEDDINGS), weight(g, w, MLM_OUTPUT_BIAS)),
              intAttr("transB", 1)); // [N, V]
      String shape =
          g.op(
              m,
              "Concat",
              List.of(g.op(m, "Shape", List.of("input_ids")), g.int64(false, spec.vocabSize())),
              intAttr("axis", 0)); // (B, T, V)
      g.opNamed("mlm_logits", "Reshape", List.of(logits, shape));
      g.output("mlm_logits", DataType.FLOAT, BATCH, SEQUENCE, spec.vocabSize());
    }
  }

  /** Scaled dot-product attention of layer {@code i}: the per-head context [B, T, h * dh]. */
  private static String attention(
      OnnxGraph g,
      Weights w,
      String a,
      String x,
      String maskBias,
      int i,
      int heads,
      ModelSpec spec) {
    int dh = spec.headSize();
    String toHeads = g.int64(false, 0, 0, heads, dh); // 0 copies B and T
    String q = g.op(a, "Reshape", List.of(dense(g, w, a, x, query(i)), toHeads)); // [B,T,h,dh]
    String k = g.op(a, "Reshape", List.of(dense(g, w, a, x, key(i)), toHeads));
    String v = g.op(a, "Reshape", List.of(dense(g, w, a, x, value(i)), toHeads));
    var bhtd = OnnxGraph.intsAttr("perm", 0, 2, 1, 3);
    String qh = g.op(a, "Transpose", List.of(q), bhtd); // [B, h, T, dh]
    String kt =
        g.op(a, "Transpose", List.of(k), OnnxGraph.intsAttr("perm", 0, 2, 3, 1)); // [B,h,dh,T]
    String vh = g.op(a, "Transpose", List.of(v), bhtd); // [B, h, T, dh]
    String scores = g.op(a, "MatMul", List.of(qh, kt)); // [B, h, T, T]
    String scaled =
        g.op(
            a,
            "Add",
            List.of(
                g.op(a, "Mul", List.of(scores, g.scalar((float) (1 / Math.sqrt(dh))))), maskBias));
    String probs = g.op(a, "Softmax", List.of(scaled), intAttr("axis", -1));
    String ctx = g.op(a, "Transpose", List.of(g.op(a, "MatMul", List.of(probs, vh))), bhtd);
    return g.op(a, "Reshape", List.of(ctx, g.int64(false, 0, 0, (long) heads * dh))); // [B,T,h*dh]
  }

  /**
   * {@code x W + b} with the checkpoint's {@code prefix/kernel} [in, out] and {@code prefix/bias}.
   */
  private static String dense(OnnxGraph g, Weights w, String scope, String x, String prefix) {
    String y = g.op(scope, "MatMul", List.of(x, weight(g, w, prefix + "/kernel")));
    return g.op(scope, "Add", List.of(y, weight(g, w, prefix + "/bias")));
  }

  /**
   * LayerNorm over the last axis in Layers.layerNorm's op order: {@code mean}, the mean of {@code
   * (x - mean)^2}, {@code (x - mean) * (1 / sqrt(var + eps)) * gamma + beta}. Not ONNX's fused
   * {@code LayerNormalization}: onnxruntime computes that one from {@code E[x^2] - mean^2} in one
   * pass, and the written-out form halves the difference from TF Java at every layer of BERT-base
   * (measured, docs/results.md). ONNX has no Rsqrt, so {@code Sqrt} then {@code Reciprocal}.
   */
  private static String layerNorm(
      OnnxGraph g, Weights w, String scope, String x, String prefix, float eps) {
    var last = OnnxGraph.intsAttr("axes", -1);
    var keep = intAttr("keepdims", 1);
    String mean = g.op(scope, "ReduceMean", List.of(x), last, keep); // [B, T, 1]
    String centred = g.op(scope, "Sub", List.of(x, mean));
    String variance =
        g.op(
            scope,
            "ReduceMean",
            List.of(g.op(scope, "Mul", List.of(centred, centred))),
            last,
            keep);
    String rstd =
        g.op(
            scope,
            "Reciprocal",
            List.of(
                g.op(
                    scope, "Sqrt", List.of(g.op(scope, "Add", List.of(variance, g.scalar(eps)))))));
    String normed = g.op(scope, "Mul", List.of(centred, rstd));
    String scaled = g.op(scope, "Mul", List.of(normed, weight(g, w, prefix + "/gamma")));
    return g.op(scope, "Add", List.of(scaled, weight(g, w, prefix + "/beta")));
  }

  /** GELU as Layers.gelu writes it: {@code (0.5 x) (1 + inner)}. */
  private static String gelu(OnnxGraph g, String scope, String x, Activation kind) {
    String inner;
    if (kind == Activation.GELU) {
      inner =
          g.op(
              scope,
              "Erf",
              List.of(g.op(scope, "Mul", List.of(x, g.scalar((float) (1 / Math.sqrt(2)))))));
    } else {
      String cube = g.op(scope, "Mul", List.of(g.op(scope, "Mul", List.of(x, x)), x));
      String poly =
          g.op(scope, "Add", List.of(x, g.op(scope, "Mul", List.of(g.scalar(0.044715f), cube))));
      inner =
          g.op(
              scope,
              "Tanh",
              List.of(g.op(scope, "Mul", List.of(g.scalar((float) Math.sqrt(2 / Math.PI)), poly))));
    }
    String half = g.op(scope, "Mul", List.of(g.scalar(0.5f), x));
    return g.op(scope, "Mul", List.of(half, g.op(scope, "Add", List.of(g.scalar(1f), inner))));
  }

  /** Mean of x [B, T, d] over the real tokens of the 0/1 mask [B, T]: [B, d]. */
  private static String maskedMean(OnnxGraph g, String scope, String x, String mask) {
    String m = g.op(scope, "Unsqueeze", List.of(mask, g.int64(false, 2))); // [B, T, 1]
    String tokens = g.int64(false, 1);
    var drop = intAttr("keepdims", 0);
    String sum = g.op(scope, "ReduceSum", List.of(g.op(scope, "Mul", List.of(x, m)), tokens), drop);
    String count = g.op(scope, "ReduceSum", List.of(m, tokens), drop); // [B, 1]
    return g.op(scope, "Div", List.of(sum, count));
  }

  private static String weight(OnnxGraph g, Weights w, String name) {
    return g.weight(name, w.get(name));
  }
}
