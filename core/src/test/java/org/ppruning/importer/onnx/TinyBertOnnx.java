package org.ppruning.importer.onnx;

import static org.ppruning.importer.onnx.OnnxProto.attrFloat;
import static org.ppruning.importer.onnx.OnnxProto.attrInt;
import static org.ppruning.importer.onnx.OnnxProto.attrInts;
import static org.ppruning.importer.onnx.OnnxProto.attrTensor;
import static org.ppruning.importer.onnx.OnnxProto.floatTensor;
import static org.ppruning.importer.onnx.OnnxProto.int64Tensor;
import static org.ppruning.importer.onnx.OnnxProto.node;
import static org.ppruning.importer.onnx.OnnxProto.valueInfo;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.ppruning.model.Activation;
import org.ppruning.model.Architecture;
import org.ppruning.model.BertLayout;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelLayout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.Weights;

/**
 * Test fixture: writes a tiny but complete, runnable BERT encoder as ONNX, shaped like a PyTorch
 * 2.0 / opset 11 Hugging Face export: scoped node names ({@code /encoder/layer.0/attention/self/
 * query/MatMul}), anonymous MatMul weights ({@code onnx::MatMul_N}, [in, out]), named biases and
 * LayerNorm parameters, decomposed LayerNorm and exact (Erf) GELU, position ids in a Constant node
 * (as bge-small's export has them), and a pooler written as {@code Gemm(transB=1)} on a named [out,
 * in] weight. Knobs produce the broken variants the error tests need.
 */
final class TinyBertOnnx {
  static final int VOCAB = 11;
  static final int MAX_POS = 8;
  static final int TYPES = 2;
  static final int HIDDEN = 8;
  static final int HEADS = 2;
  static final int HEAD_SIZE = HIDDEN / HEADS;
  static final int FFN = 12;
  static final int LAYERS = 2;
  static final float EPS = 1e-12f;

  /** Write the pooler (Gemm + Tanh) and its {@code pooler_output}. */
  boolean pooler = true;

  /** Position ids in a Constant node (bge), not the {@code embeddings.position_ids} initializer. */
  boolean positionIdsAsConstant = true;

  /** Added to every position id (0 writes the correct 0..n-1). */
  long positionIdsOffset = 0;

  /** BERT weight names whose ONNX tensor is left out (nodes still reference it). */
  final Set<String> omit = new HashSet<>();

  /** Extra initializers appended to the graph. */
  final List<OnnxProto> extraInitializers = new ArrayList<>();

  /** Write opset_import before the graph instead of after it (PyTorch's order). */
  boolean opsetFirst = false;

  /** Extra nodes appended to the graph. */
  final List<OnnxProto> extraNodes = new ArrayList<>();

  private final List<OnnxProto> nodes = new ArrayList<>();
  private final List<OnnxProto> inits = new ArrayList<>();
  private int anonymous = 100;

  static ModelSpec spec(boolean pooler) {
    return ModelSpec.unpruned(
        Architecture.BERT,
        VOCAB,
        HIDDEN,
        LAYERS,
        HEADS,
        FFN,
        MAX_POS,
        TYPES,
        Activation.GELU,
        1e-12,
        pooler,
        false,
        "tiny",
        null);
  }

  /** Random weights under BERT names for {@code spec} (seeded, so tests are repeatable). */
  static Weights randomWeights(ModelSpec spec, long seed) {
    Random r = new Random(seed);
    Weights w = new Weights();
    ModelLayout.of(spec)
        .shapes()
        .forEach(
            (name, shape) -> {
              FloatTensor t = FloatTensor.zeros(shape);
              boolean gamma = name.endsWith("/gamma");
              for (int i = 0; i < t.data().length; i++) {
                t.data()[i] = (float) (gamma ? 1 + 0.2 * r.nextGaussian() : 0.5 * r.nextGaussian());
              }
              w.put(name, t);
            });
    return w;
  }

  /** The serialized ModelProto for {@code w} (which must match {@link #spec}). */
  byte[] build(Weights w) {
    nodes.clear();
    inits.clear();
    String ids = "input_ids";
    String maskIn = "attention_mask";
    String typesIn = "token_type_ids";

    // Embeddings: position ids 0..S-1 are sliced from a [1, MAX_POS] buffer.
    long[] positions = new long[MAX_POS];
    for (int i = 0; i < MAX_POS; i++) {
      positions[i] = i + positionIdsOffset;
    }
    String posIds;
    if (positionIdsAsConstant) {
      posIds = "onnx::Slice_9";
      nodes.add(
          node(
              "Constant_10",
              "Constant",
              new String[0],
              new String[] {posIds},
              attrTensor("value", int64Tensor("", new long[] {1, MAX_POS}, positions))));
    } else {
      posIds = "embeddings.position_ids";
      inits.add(int64Tensor(posIds, new long[] {1, MAX_POS}, positions));
    }
    String shape = op("/embeddings/Shape", "Shape", ids);
    String seq = op("/embeddings/Gather", "Gather", shape, intConst("/embeddings/Constant", 1));
    String seq1 = op("/embeddings/Unsqueeze", "Unsqueeze", new String[] {seq}, attrInts("axes", 0));
    String posSlice =
        op(
            "/embeddings/Slice",
            "Slice",
            posIds,
            intsConst("/embeddings/Constant_1", 0),
            seq1,
            intsConst("/embeddings/Constant_2", 1));
    String we =
        op(
            "/embeddings/word_embeddings/Gather",
            "Gather",
            weight(w, BertLayout.WORD_EMBEDDINGS, "embeddings.word_embeddings.weight"),
            ids);
    String te =
        op(
            "/embeddings/token_type_embeddings/Gather",
            "Gather",
            weight(w, BertLayout.TOKEN_TYPE_EMBEDDINGS, "embeddings.token_type_embeddings.weight"),
            typesIn);
    String sum = op("/embeddings/Add", "Add", we, te);
    String pe =
        op(
            "/embeddings/position_embeddings/Gather",
            "Gather",
            weight(w, BertLayout.POSITION_EMBEDDINGS, "embeddings.position_embeddings.weight"),
            posSlice);
    String x =
        layerNorm(
            "/embeddings/LayerNorm",
            op("/embeddings/Add_1", "Add", sum, pe),
            w,
            BertLayout.EMBEDDINGS_LN,
            "embeddings.LayerNorm");

    // Additive attention mask [B, 1, 1, S]: (1 - mask) * -10000.
    String maskF = op("/Cast", "Cast", new String[] {maskIn}, attrInt("to", 1));
    String inv = op("/Sub", "Sub", floatConst("/Constant", 1f), maskF);
    String big = op("/Mul", "Mul", inv, floatConst("/Constant_1", -10000f));
    String mask = op("/Unsqueeze", "Unsqueeze", new String[] {big}, attrInts("axes", 1, 2));

    // Shared reshape targets and the attention scale, as initializers (plumbing the importer
    // must recognise as such).
    inits.add(int64Tensor("onnx::Reshape_50", new long[] {4}, new long[] {0, 0, HEADS, HEAD_SIZE}));
    inits.add(int64Tensor("onnx::Reshape_51", new long[] {3}, new long[] {0, 0, HIDDEN}));
    inits.add(floatTensor("onnx::Div_52", new long[0], new float[] {(float) Math.sqrt(HEAD_SIZE)}));

    for (int i = 0; i < LAYERS; i++) {
      String p = "/encoder/layer." + i;
      String hf = "encoder.layer." + i;
      String s = p + "/attention/self";
      String q = dense(s + "/query", x, w, BertLayout.query(i), hf + ".attention.self.query");
      String k = dense(s + "/key", x, w, BertLayout.key(i), hf + ".attention.self.key");
      String v = dense(s + "/value", x, w, BertLayout.value(i), hf + ".attention.self.value");
      String qh =
          op(
              s + "/Transpose_1",
              "Transpose",
              new String[] {op(s + "/Reshape_2", "Reshape", q, "onnx::Reshape_50")},
              attrInts("perm", 0, 2, 1, 3)); // [B, H, S, dh]
      String kt =
          op(
              s + "/Transpose_2",
              "Transpose",
              new String[] {op(s + "/Reshape", "Reshape", k, "onnx::Reshape_50")},
              attrInts("perm", 0, 2, 3, 1)); // [B, H, dh, S]
      String vh =
          op(
              s + "/Transpose",
              "Transpose",
              new String[] {op(s + "/Reshape_1", "Reshape", v, "onnx::Reshape_50")},
              attrInts("perm", 0, 2, 1, 3)); // [B, H, S, dh]
      String scores = op(s + "/Div", "Div", op(s + "/MatMul", "MatMul", qh, kt), "onnx::Div_52");
      String probs =
          op(
              s + "/Softmax",
              "Softmax",
              new String[] {op(s + "/Add", "Add", scores, mask)},
              attrInt("axis", -1)); // [B, H, S, S]
      String ctx =
          op(
              s + "/Transpose_3",
              "Transpose",
              new String[] {op(s + "/MatMul_1", "MatMul", probs, vh)},
              attrInts("perm", 0, 2, 1, 3));
      ctx = op(s + "/Reshape_3", "Reshape", ctx, "onnx::Reshape_51"); // [B, S, d]
      String a =
          dense(
              p + "/attention/output/dense",
              ctx,
              w,
              BertLayout.attentionOutput(i),
              hf + ".attention.output.dense");
      x =
          layerNorm(
              p + "/attention/output/LayerNorm",
              op(p + "/attention/output/Add", "Add", a, x),
              w,
              BertLayout.attentionLn(i),
              hf + ".attention.output.LayerNorm");
      String h =
          dense(
              p + "/intermediate/dense",
              x,
              w,
              BertLayout.intermediate(i),
              hf + ".intermediate.dense");
      String g = p + "/intermediate/intermediate_act_fn";
      String erf =
          op(
              g + "/Erf",
              "Erf",
              op(g + "/Div", "Div", h, floatConst(g + "/Constant", (float) Math.sqrt(2))));
      String gelu =
          op(
              g + "/Mul_1",
              "Mul",
              op(
                  g + "/Mul",
                  "Mul",
                  h,
                  op(g + "/Add", "Add", erf, floatConst(g + "/Constant_1", 1f))),
              floatConst(g + "/Constant_2", 0.5f));
      String o = dense(p + "/output/dense", gelu, w, BertLayout.output(i), hf + ".output.dense");
      x =
          layerNorm(
              p + "/output/LayerNorm",
              op(p + "/output/Add", "Add", o, x),
              w,
              BertLayout.outputLn(i),
              hf + ".output.LayerNorm");
    }
    // The last LayerNorm's output is the graph output.
    nodes.add(node("/Identity", "Identity", new String[] {x}, new String[] {"last_hidden_state"}));

    List<OnnxProto> outputs = new ArrayList<>();
    outputs.add(
        valueInfo(
            "last_hidden_state",
            OnnxTensorProto.FLOAT,
            "batch_size",
            "sequence_length",
            Integer.toString(HIDDEN)));
    if (pooler) {
      String first =
          op(
              "/pooler/Gather",
              "Gather",
              new String[] {"last_hidden_state", intConst("/pooler/Constant", 0)},
              attrInt("axis", 1));
      String kernel = BertLayout.POOLER + "/kernel";
      if (!omit.contains(kernel)) {
        // PyTorch Linear layout [out, in], read through Gemm(transB=1).
        FloatTensor t = w.get(kernel).transpose2d();
        inits.add(floatTensor("pooler.dense.weight", t.shape(), t.data()));
      }
      String dense =
          op(
              "/pooler/dense/Gemm",
              "Gemm",
              new String[] {
                first,
                "pooler.dense.weight",
                weight(w, BertLayout.POOLER + "/bias", "pooler.dense.bias")
              },
              attrFloat("alpha", 1f),
              attrFloat("beta", 1f),
              attrInt("transB", 1));
      nodes.add(
          node(
              "/pooler/activation/Tanh",
              "Tanh",
              new String[] {dense},
              new String[] {"pooler_output"}));
      outputs.add(
          valueInfo(
              "pooler_output", OnnxTensorProto.FLOAT, "batch_size", Integer.toString(HIDDEN)));
    }
    nodes.addAll(extraNodes);
    inits.addAll(extraInitializers);

    OnnxProto graph = new OnnxProto();
    for (OnnxProto n : nodes) {
      graph.msg(1, n);
    }
    graph.str(2, "main_graph");
    for (OnnxProto t : inits) {
      graph.msg(5, t);
    }
    for (String in : new String[] {ids, maskIn, typesIn}) {
      graph.msg(11, valueInfo(in, OnnxTensorProto.INT64, "batch_size", "sequence_length"));
    }
    for (OnnxProto o : outputs) {
      graph.msg(12, o);
    }
    return opsetFirst ? OnnxProto.modelOpsetFirst(graph, 11) : OnnxProto.model(graph, 11);
  }

  /** MatMul with an anonymous [in, out] weight, then Add of the named bias. */
  private String dense(String scope, String x, Weights w, String bert, String hf) {
    String kernel = "onnx::MatMul_" + anonymous++;
    if (!omit.contains(bert + "/kernel")) {
      FloatTensor t = w.get(bert + "/kernel");
      inits.add(floatTensor(kernel, t.shape(), t.data()));
    }
    String mm = op(scope + "/MatMul", "MatMul", x, kernel);
    return op(scope + "/Add", "Add", weight(w, bert + "/bias", hf + ".bias"), mm);
  }

  /** LayerNorm decomposed as PyTorch exports it for opset 11. */
  private String layerNorm(String scope, String x, Weights w, String bert, String hf) {
    String mean = op(scope + "/ReduceMean", "ReduceMean", new String[] {x}, attrInts("axes", -1));
    String c = op(scope + "/Sub", "Sub", x, mean);
    String sq = op(scope + "/Pow", "Pow", c, floatConst(scope + "/Constant", 2f));
    String var = op(scope + "/ReduceMean_1", "ReduceMean", new String[] {sq}, attrInts("axes", -1));
    String sd =
        op(
            scope + "/Sqrt",
            "Sqrt",
            op(scope + "/Add", "Add", var, floatConst(scope + "/Constant_1", EPS)));
    String n = op(scope + "/Div", "Div", c, sd);
    String scaled = op(scope + "/Mul", "Mul", n, weight(w, bert + "/gamma", hf + ".weight"));
    return op(scope + "/Add_1", "Add", scaled, weight(w, bert + "/beta", hf + ".bias"));
  }

  /** A named initializer holding BERT weight {@code bert}, unless omitted; returns its name. */
  private String weight(Weights w, String bert, String hf) {
    if (!omit.contains(bert)) {
      FloatTensor t = w.get(bert);
      inits.add(floatTensor(hf, t.shape(), t.data()));
    }
    return hf;
  }

  private String op(String name, String opType, String... inputs) {
    return op(name, opType, inputs, new OnnxProto[0]);
  }

  private String op(String name, String opType, String[] inputs, OnnxProto... attrs) {
    String out = name + "_output_0";
    nodes.add(node(name, opType, inputs, new String[] {out}, attrs));
    return out;
  }

  private String floatConst(String name, float v) {
    return constant(name, floatTensor("", new long[0], new float[] {v}));
  }

  private String intConst(String name, long v) {
    return constant(name, int64Tensor("", new long[0], new long[] {v}));
  }

  private String intsConst(String name, long... v) {
    return constant(name, int64Tensor("", new long[] {v.length}, v));
  }

  private String constant(String name, OnnxProto tensor) {
    String out = name + "_output_0";
    nodes.add(
        node(name, "Constant", new String[0], new String[] {out}, attrTensor("value", tensor)));
    return out;
  }
}
