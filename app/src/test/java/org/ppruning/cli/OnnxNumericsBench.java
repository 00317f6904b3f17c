package org.ppruning.cli;

import static org.junit.jupiter.api.Assertions.*;
import static org.ppruning.model.BertLayout.*;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ppruning.graph.BertGraph;
import org.ppruning.graph.Forward;
import org.ppruning.graph.GraphInputs;
import org.ppruning.graph.Layers;
import org.ppruning.graph.Tensors;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.graph.VariableSet;
import org.ppruning.model.ModelLayout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.Weights;
import org.ppruning.onnx.BertOnnxExporter;
import org.ppruning.onnx.proto.AttributeProto;
import org.ppruning.onnx.proto.GraphProto;
import org.ppruning.onnx.proto.ModelProto;
import org.ppruning.onnx.proto.NodeProto;
import org.ppruning.onnx.proto.TensorProto;
import org.ppruning.onnx.proto.TypeProto;
import org.ppruning.onnx.proto.ValueInfoProto;
import org.ppruning.tokenize.TextTokenizer;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Where onnxruntime's float32 outputs of an exported BERT part from TF Java's, and which of the two
 * is nearer the float64 truth (issue 18). For each SavedModel in {@code -Donnx.numerics.models}
 * (comma-separated folders), on the 24 {@code verify} sentences in batches of 8, it taps the same
 * intermediates in both graphs: the embeddings' LayerNorm, each layer's attention LayerNorm and
 * output (after the FFN LayerNorm), the MLM transform (dense, GELU, LayerNorm), and the serving
 * outputs; and runs a float64 copy of the ONNX graph (every initializer, constant, Cast and output
 * in DOUBLE) in onnxruntime as the reference. It prints, per tap, max |ORT - TF|, max |TF - f64|,
 * max |ORT - f64| over real tokens and the largest |TF| value; then max |ORT - TF| per tap for
 * variants of the graph ({@link #rewrite}), and TF against itself (each sentence alone vs in its
 * batch). {@code -Donnx.numerics.f64=false} skips the float64 run (it needs a few GB more). A
 * measurement, not a check: run with {@code -Dtest.excluded.groups= -Dtest=OnnxNumericsBench};
 * commands and results in docs/results.md.
 */
@Tag("bench")
class OnnxNumericsBench {
  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  @Test
  void tabulate() throws Exception {
    String models = System.getProperty("onnx.numerics.models", "/tmp/onnxtol/bert-base");
    for (String dir : models.split(",")) {
      tabulate(Path.of(dir.strip()));
    }
  }

  private void tabulate(Path dir) throws Exception {
    long t0 = System.nanoTime();
    try (TransformerModel saved = TransformerModel.load(dir);
        TextTokenizer tok = TextTokenizer.load(saved.tokenizerJson())) {
      ModelSpec spec = saved.spec();
      Weights w = saved.readWeights();
      List<String> sentences = VerifyCommand.sentences();
      List<TokenBatch> batches = new ArrayList<>();
      for (int i = 0; i < sentences.size(); i += 8) {
        batches.add(tok.encode(sentences.subList(i, i + 8), null, spec.maxPositions()));
      }
      // TF once: the taps, and TF against itself (each sentence alone vs in its batch of 8).
      List<Map<String, double[]>> tfOut = new ArrayList<>();
      double savedVsFresh = 0;
      Map<String, Double> selfNoise = new LinkedHashMap<>();
      try (TfTaps tf = new TfTaps(spec, w)) {
        for (TokenBatch b : batches) {
          Map<String, double[]> want = tf.run(b);
          tfOut.add(want);
          for (var e : asDouble(saved.serve(b)).entrySet()) {
            boolean perTok = !e.getKey().equals("pooled_output");
            savedVsFresh =
                Math.max(savedVsFresh, maxDiff(e.getValue(), want.get(e.getKey()), b, perTok));
          }
          for (int s = 0; s < b.size(); s++) {
            TokenBatch one =
                tok.encode(
                    List.of(sentences.get(batches.indexOf(b) * 8 + s)), null, spec.maxPositions());
            Map<String, double[]> alone = tf.run(one);
            for (String k : List.of("sequence_output", "mlm_logits")) {
              if (!alone.containsKey(k)) {
                continue;
              }
              int width = alone.get(k).length / one.seqLen();
              double m = 0;
              for (int p = 0; p < one.length(0); p++) {
                for (int j = 0; j < width; j++) {
                  double x = want.get(k)[(s * b.seqLen() + p) * width + j];
                  m = Math.max(m, Math.abs(x - alone.get(k)[p * width + j]));
                }
              }
              selfNoise.merge(k, m, Math::max);
            }
          }
        }
      }
      ModelProto base = BertOnnxExporter.toModel(spec, w, "bench");
      Map<String, ModelProto> variants = new LinkedHashMap<>();
      variants.put("as exported", base);
      variants.put("softmax written out", rewrite(base, false, true, false));
      variants.put("decoder MatMul then Add", rewrite(base, true, false, false));
      variants.put("LayerNorm with Div", rewrite(base, false, false, true));
      Map<String, double[]> rows = new LinkedHashMap<>(); // ort-tf, tf-f64, ort-f64, |tf|
      Map<String, Map<String, Double>> byVariant = new LinkedHashMap<>();
      int positions = batches.stream().mapToInt(TokenBatch::tokenCount).sum();
      for (var v : variants.entrySet()) {
        long tv = System.nanoTime();
        ModelProto plain = v.getValue();
        List<String> taps = onnxTaps(plain.getGraph(), spec);
        List<String> keys = tapKeys(spec);
        Map<String, String> tapNames = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
          tapNames.put(keys.get(i), taps.get(i));
        }
        ModelProto tapped = withOutputs(plain, taps);
        // The float64 run once, with the export as it is (-Donnx.numerics.f64=false: none).
        boolean first =
            byVariant.isEmpty() && !"false".equals(System.getProperty("onnx.numerics.f64"));
        Map<String, Double> diffs = new LinkedHashMap<>();
        try (OrtSession ort = session(plain, false);
            OrtSession ortTapped = session(tapped, false);
            OrtSession ort64 = first ? session(toDouble(tapped), true) : null) {
          for (int bi = 0; bi < batches.size(); bi++) {
            TokenBatch b = batches.get(bi);
            Map<String, double[]> want = tfOut.get(bi);
            Map<String, double[]> gotPlain = run(ort, b);
            Map<String, double[]> gotTaps = run(ortTapped, b);
            Map<String, double[]> ref = first ? run(ort64, b) : null;
            for (String k : want.keySet()) {
              double[] got =
                  gotPlain.containsKey(k) ? gotPlain.get(k) : gotTaps.get(tapNames.get(k));
              boolean perTok = !k.equals("pooled_output");
              diffs.merge(k, maxDiff(got, want.get(k), b, perTok), Math::max);
              if (first) {
                double[] r64 = ref.containsKey(k) ? ref.get(k) : ref.get(tapNames.get(k));
                double[] row = rows.computeIfAbsent(k, x -> new double[4]);
                row[0] = Math.max(row[0], maxDiff(got, want.get(k), b, perTok));
                row[1] = Math.max(row[1], maxDiff(want.get(k), r64, b, perTok));
                row[2] = Math.max(row[2], maxDiff(got, r64, b, perTok));
                row[3] =
                    Math.max(
                        row[3], maxDiff(want.get(k), new double[want.get(k).length], b, perTok));
              }
            }
          }
        }
        byVariant.put(v.getKey(), diffs);
        if (rows.isEmpty()) {
          diffs.forEach(
              (k, d) -> rows.put(k, new double[] {d, Double.NaN, Double.NaN, Double.NaN}));
        }
        System.err.printf("variant '%s': %.1f s%n", v.getKey(), (System.nanoTime() - tv) / 1e9);
      }
      System.err.printf(
          "%n%s (%s, heads %s, FFN %s): 24 sentences, %d real tokens; TF graph rebuilt here vs the"
              + " SavedModel: max %.3g; TF alone vs in its batch of 8: %s%n",
          dir,
          spec.source(),
          spec.headsPerLayer(),
          spec.ffnPerLayer(),
          positions,
          savedVsFresh,
          selfNoise);
      System.err.printf(
          "| tap | max abs ORT - TF | max abs TF - f64 | max abs ORT - f64 | max abs TF |%n");
      System.err.printf("|---|---|---|---|---|%n");
      rows.forEach(
          (k, r) ->
              System.err.printf("| %s | %.2e | %.2e | %.2e | %.3g |%n", k, r[0], r[1], r[2], r[3]));
      System.err.printf("%n| tap | %s |%n", String.join(" | ", byVariant.keySet()));
      for (String k : rows.keySet()) {
        StringBuilder line = new StringBuilder("| " + k);
        byVariant.values().forEach(d -> line.append(String.format(" | %.2e", d.get(k))));
        System.err.println(line + " |");
      }
      System.err.printf("(%.1f s)%n", (System.nanoTime() - t0) / 1e9);
    }
  }

  /**
   * Variants of the exported graph, measured and not taken (docs/results.md): the tied decoder's
   * Gemm with its bias added after the product (as TF's MatMul then Add), and each attention
   * Softmax written out as {@code exp(x - max) * (1 / sum)} (onnxruntime's Exp is Eigen's, as
   * TF's), and LayerNorm's {@code (x - mean) * Reciprocal(std)} as {@code Div(x - mean, std)}.
   */
  static ModelProto rewrite(ModelProto m, boolean decoderAdd, boolean softmax, boolean lnDiv) {
    GraphProto.Builder g = m.getGraph().toBuilder().clearNode();
    Map<String, String> reciprocalOf = new LinkedHashMap<>(); // Reciprocal output -> its input
    if (lnDiv) {
      for (NodeProto n : m.getGraph().getNodeList()) {
        if (n.getOpType().equals("Reciprocal")) {
          reciprocalOf.put(n.getOutput(0), n.getInput(0));
        }
      }
    }
    g.addInitializer(
        TensorProto.newBuilder()
            .setName("bench/last_axis")
            .setDataType(TensorProto.DataType.INT64_VALUE)
            .addDims(1)
            .addInt64Data(-1));
    var last =
        AttributeProto.newBuilder()
            .setName("axes")
            .setType(AttributeProto.AttributeType.INTS)
            .addInts(-1)
            .build();
    var keep =
        AttributeProto.newBuilder()
            .setName("keepdims")
            .setType(AttributeProto.AttributeType.INT)
            .setI(1)
            .build();
    for (NodeProto n : m.getGraph().getNodeList()) {
      String o = n.getOutput(0);
      if (softmax && n.getOpType().equals("Softmax") && o.startsWith("layer_")) {
        String x = n.getInput(0);
        node(g, "ReduceMax", List.of(x), o + "/max", last, keep);
        node(g, "Sub", List.of(x, o + "/max"), o + "/shifted");
        node(g, "Exp", List.of(o + "/shifted"), o + "/exp");
        node(g, "ReduceSum", List.of(o + "/exp", "bench/last_axis"), o + "/sum", keep);
        node(g, "Reciprocal", List.of(o + "/sum"), o + "/inv");
        node(g, "Mul", List.of(o + "/exp", o + "/inv"), o);
      } else if (reciprocalOf.containsKey(o)) {
        continue; // folded into the Div below
      } else if (n.getOpType().equals("Mul") && reciprocalOf.containsKey(n.getInput(1))) {
        node(g, "Div", List.of(n.getInput(0), reciprocalOf.get(n.getInput(1))), o);
      } else if (decoderAdd && n.getOpType().equals("Gemm") && n.getInputCount() == 3) {
        g.addNode(
            n.toBuilder()
                .clearInput()
                .addInput(n.getInput(0))
                .addInput(n.getInput(1))
                .setOutput(0, o + "/product"));
        node(g, "Add", List.of(o + "/product", n.getInput(2)), o);
      } else {
        g.addNode(n);
      }
    }
    return m.toBuilder().setGraph(g).build();
  }

  private static void node(
      GraphProto.Builder g, String op, List<String> in, String out, AttributeProto... attrs) {
    NodeProto.Builder n =
        NodeProto.newBuilder().setName(out).setOpType(op).addAllInput(in).addOutput(out);
    for (AttributeProto a : attrs) {
      n.addAttribute(a);
    }
    g.addNode(n);
  }

  /** The tap names, ONNX-side: the value each graph-side tap reads, in the graph's node order. */
  private static List<String> onnxTaps(GraphProto g, ModelSpec spec) {
    List<String> out = new ArrayList<>();
    out.add(lastIn(g, "embeddings/"));
    for (int i = 0; i < spec.numLayers(); i++) {
      out.add(lastIn(g, "layer_" + i + "/attention/"));
      out.add(lastIn(g, "layer_" + i + "/ffn/"));
    }
    if (spec.mlmHead()) {
      List<NodeProto> mlm =
          g.getNodeList().stream().filter(n -> n.getOutput(0).startsWith("mlm/")).toList();
      out.add(mlm.get(1).getOutput(0)); // dense: MatMul, Add
      NodeProto ln =
          mlm.stream()
              .filter(
                  n ->
                      n.getOpType().equals("LayerNormalization")
                          || n.getOpType().equals("ReduceMean"))
              .findFirst()
              .orElseThrow();
      out.add(ln.getInput(0)); // GELU's output
      out.add(
          mlm.stream()
              .filter(n -> n.getOpType().equals("Reshape"))
              .findFirst()
              .orElseThrow()
              .getInput(0));
    }
    return out;
  }

  /** Tap names in the order {@link #onnxTaps} lists them (TF side). */
  private static List<String> tapKeys(ModelSpec spec) {
    List<String> k = new ArrayList<>();
    k.add("embeddings LN");
    for (int i = 0; i < spec.numLayers(); i++) {
      k.add("layer " + i + " attention LN");
      k.add("layer " + i + " output");
    }
    if (spec.mlmHead()) {
      k.addAll(List.of("mlm dense", "mlm GELU", "mlm LN"));
    }
    return k;
  }

  private static String lastIn(GraphProto g, String scope) {
    String last = null;
    for (NodeProto n : g.getNodeList()) {
      if (n.getOutput(0).startsWith(scope)) {
        last = n.getOutput(0);
      }
    }
    return last;
  }

  private static ModelProto withOutputs(ModelProto m, List<String> taps) {
    GraphProto.Builder g = m.getGraph().toBuilder();
    for (String t : taps) {
      g.addOutput(
          ValueInfoProto.newBuilder()
              .setName(t)
              .setType(
                  TypeProto.newBuilder()
                      .setTensorType(
                          TypeProto.Tensor.newBuilder()
                              .setElemType(TensorProto.DataType.FLOAT_VALUE))));
    }
    return m.toBuilder().setGraph(g).build();
  }

  /** The same graph in float64: initializers, Cast targets and outputs become DOUBLE. */
  static ModelProto toDouble(ModelProto m) {
    GraphProto.Builder g = m.getGraph().toBuilder();
    for (int i = 0; i < g.getInitializerCount(); i++) {
      TensorProto t = g.getInitializer(i);
      if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
        continue;
      }
      ByteBuffer in = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      ByteBuffer out = ByteBuffer.allocate(in.remaining() * 2).order(ByteOrder.LITTLE_ENDIAN);
      while (in.hasRemaining()) {
        out.putDouble(in.getFloat());
      }
      g.setInitializer(
          i,
          t.toBuilder()
              .setDataType(TensorProto.DataType.DOUBLE_VALUE)
              .setRawData(ByteString.copyFrom(out.array())));
    }
    for (int i = 0; i < g.getNodeCount(); i++) {
      NodeProto n = g.getNode(i);
      if (n.getOpType().equals("Cast")) {
        NodeProto.Builder b = n.toBuilder().clearAttribute();
        for (AttributeProto a : n.getAttributeList()) {
          b.addAttribute(
              a.getName().equals("to") && a.getI() == TensorProto.DataType.FLOAT_VALUE
                  ? a.toBuilder().setI(TensorProto.DataType.DOUBLE_VALUE).build()
                  : a);
        }
        g.setNode(i, b);
      }
    }
    for (int i = 0; i < g.getOutputCount(); i++) {
      ValueInfoProto o = g.getOutput(i);
      g.setOutput(
          i,
          o.toBuilder()
              .setType(
                  o.getType().toBuilder()
                      .setTensorType(
                          o.getType().getTensorType().toBuilder()
                              .setElemType(TensorProto.DataType.DOUBLE_VALUE))));
    }
    return m.toBuilder().setGraph(g).build();
  }

  private static OrtSession session(ModelProto m, boolean basicOnly) throws Exception {
    var o = new OrtSession.SessionOptions();
    if (basicOnly) {
      o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
    }
    return ENV.createSession(m.toByteArray(), o);
  }

  private static Map<String, double[]> run(OrtSession s, TokenBatch b) throws Exception {
    long[] shape = {b.size(), b.seqLen()};
    try (OnnxTensor ids = OnnxTensor.createTensor(ENV, IntBuffer.wrap(b.inputIds()), shape);
        OnnxTensor mask = OnnxTensor.createTensor(ENV, IntBuffer.wrap(b.attentionMask()), shape);
        OnnxTensor types = OnnxTensor.createTensor(ENV, IntBuffer.wrap(b.tokenTypeIds()), shape);
        OrtSession.Result r =
            s.run(Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types))) {
      Map<String, double[]> out = new LinkedHashMap<>();
      for (var e : r) {
        OnnxTensor t = (OnnxTensor) e.getValue();
        double[] d;
        if (((TensorInfo) t.getInfo()).type == ai.onnxruntime.OnnxJavaType.DOUBLE) {
          var buf = t.getDoubleBuffer();
          d = new double[buf.remaining()];
          buf.get(d);
        } else {
          var buf = t.getFloatBuffer();
          d = new double[buf.remaining()];
          for (int i = 0; i < d.length; i++) {
            d[i] = buf.get(i);
          }
        }
        out.put(e.getKey(), d);
      }
      return out;
    }
  }

  private static Map<String, double[]> asDouble(Map<String, org.ppruning.model.FloatTensor> m) {
    Map<String, double[]> out = new LinkedHashMap<>();
    m.forEach(
        (k, v) -> {
          double[] d = new double[v.size()];
          for (int i = 0; i < d.length; i++) {
            d[i] = v.data()[i];
          }
          out.put(k, d);
        });
    return out;
  }

  /** Max |a - b|, over the real tokens if {@code perToken} (token-major [B, T, w] or [B*T, w]). */
  static double maxDiff(double[] a, double[] b, TokenBatch batch, boolean perToken) {
    assertEquals(a.length, b.length, "tensor sizes");
    int width = perToken ? a.length / (batch.size() * batch.seqLen()) : 1;
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      if (perToken && batch.attentionMask()[i / width] == 0) {
        continue;
      }
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  /** The TF side: BertGraph on the SavedModel's weights, with the same taps. */
  private static final class TfTaps implements AutoCloseable {
    private final Graph g = new Graph();
    private final Session s;
    private final Map<String, String> fetches = new LinkedHashMap<>();

    TfTaps(ModelSpec spec, Weights w) {
      Ops tf = Ops.create(g);
      VariableSet vars = new VariableSet(g, tf, ModelLayout.of(spec).shapes());
      var shape = Placeholder.shape(Shape.of(-1, -1));
      var ids = tf.withName("input_ids").placeholder(TInt32.class, shape);
      var mask = tf.withName("attention_mask").placeholder(TInt32.class, shape);
      var types = tf.withName("token_type_ids").placeholder(TInt32.class, shape);
      Forward fw = BertGraph.forward(tf, spec, vars::get, new GraphInputs(ids, mask, types));
      List<String> keys = tapKeys(spec);
      List<String> ops = new ArrayList<>();
      ops.add(lastOp("embeddings/"));
      for (int i = 0; i < spec.numLayers(); i++) {
        ops.add(lastOp("layer_" + i + "/attention/"));
        ops.add(fw.hidden().get(i).op().name());
      }
      if (spec.mlmHead()) {
        Ops p = tf.withSubScope("probe");
        Operand<TFloat32> x = fw.hidden().get(spec.numLayers() - 1);
        var dense =
            Layers.dense(
                p, x, vars.get(MLM_TRANSFORM + "/kernel"), vars.get(MLM_TRANSFORM + "/bias"));
        var gelu = Layers.gelu(p, dense, spec.hiddenAct());
        var ln =
            Layers.layerNorm(
                p,
                gelu,
                vars.get(MLM_TRANSFORM_LN + "/gamma"),
                vars.get(MLM_TRANSFORM_LN + "/beta"),
                spec.layerNormEps());
        ops.addAll(List.of(dense.op().name(), gelu.op().name(), ln.op().name()));
      }
      for (int i = 0; i < keys.size(); i++) {
        fetches.put(keys.get(i), ops.get(i));
      }
      fw.outputs().forEach((k, v) -> fetches.put(k, v.op().name()));
      s = new Session(g);
      vars.load(s, w);
    }

    private String lastOp(String scope) {
      String last = null;
      var it = g.operations();
      while (it.hasNext()) {
        String n = it.next().name();
        if (n.startsWith(scope)) {
          last = n;
        }
      }
      return last;
    }

    Map<String, double[]> run(TokenBatch b) {
      Session.Runner r = s.runner();
      long[] shape = {b.size(), b.seqLen()};
      try (TInt32 ids = Tensors.ints(b.inputIds(), shape);
          TInt32 mask = Tensors.ints(b.attentionMask(), shape);
          TInt32 types = Tensors.ints(b.tokenTypeIds(), shape)) {
        r.feed("input_ids", ids).feed("attention_mask", mask).feed("token_type_ids", types);
        List<String> keys = new ArrayList<>(fetches.keySet());
        keys.forEach(k -> r.fetch(fetches.get(k)));
        Map<String, double[]> out = new LinkedHashMap<>();
        try (Result res = r.run()) {
          for (int i = 0; i < keys.size(); i++) {
            float[] f = Tensors.copy(res.get(i)).data();
            double[] d = new double[f.length];
            for (int j = 0; j < f.length; j++) {
              d[j] = f[j];
            }
            out.put(keys.get(i), d);
          }
        }
        return out;
      }
    }

    @Override
    public void close() {
      s.close();
      g.close();
    }
  }
}
