package org.ppruning.importer.onnx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ppruning.model.Activation;
import org.ppruning.model.Architecture;
import org.ppruning.model.BertLayout;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelLayout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.Weights;

/**
 * Imports a BERT-family encoder exported to ONNX by PyTorch / Hugging Face (MiniLM, bge, e5, BERT)
 * into Google BERT weight names ({@link BertLayout}).
 *
 * <p>Hugging Face exports name most initializers after the PyTorch parameter ({@code
 * encoder.layer.0.attention.self.query.bias}), but the dense weights are anonymous ({@code
 * onnx::MatMul_787}) and some tensors are {@code Constant} nodes. Those are named through the node
 * that reads them: weight input 1 of {@code /encoder/layer.0/attention/self/query/MatMul} is {@code
 * encoder.layer.0.attention.self.query.weight}. A dense weight read by {@code MatMul} is already
 * [in, out]; one read by {@code Gemm} with {@code transB=1} or through a {@code Transpose} is [out,
 * in] and is transposed.
 *
 * <p>Every initializer and every non-scalar float constant is either mapped or known to be unused:
 * integer tensors (shapes, axes, indices; the position-id buffer, which must be 0..n-1) and float
 * scalars (attention scale, LayerNorm epsilon, GELU constants). Anything else is an error that
 * names it. The FFN activation and the LayerNorm epsilon are read from the graph; the head count is
 * not in the weights, so the caller gives it, and it is checked against the attention-score scale
 * when the graph divides the scores by a scalar.
 *
 * <pre>{@code
 * Imported m = OnnxBertImporter.importBert(Path.of("all-minilm-l6-v2.onnx"), 12, "minilm");
 * m.spec().numLayers();  // 6
 * m.weights().get("bert/encoder/layer_0/attention/self/query/kernel");  // [384, 384]
 * }</pre>
 */
public final class OnnxBertImporter {

  /**
   * An imported model.
   *
   * @param spec the unpruned spec read from the graph (no tokenizer, no MLM head)
   * @param weights the weights under {@link BertLayout} names, checked against {@code spec}
   */
  public record Imported(ModelSpec spec, Weights weights) {}

  // Hugging Face BertModel parameter names, optionally under a "bert." prefix (task models).
  private static final Pattern HF_NAME =
      Pattern.compile(
          "^(?:bert\\.)?(embeddings\\.(?:word_embeddings|position_embeddings|token_type_embeddings"
              + "|LayerNorm)|encoder\\.layer\\.\\d+\\.(?:attention\\.self\\.(?:query|key|value)"
              + "|attention\\.output\\.(?:dense|LayerNorm)|intermediate\\.dense|output\\.(?:dense"
              + "|LayerNorm))|pooler\\.dense)\\.(weight|bias)$");
  private static final Pattern LAYER = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.(.+)$");

  /** Sub-module of a layer -> its Google BERT scope below {@code bert/encoder/layer_i/}. */
  private static final Map<String, String> LAYER_MODULES =
      Map.of(
          "attention.self.query", "attention/self/query",
          "attention.self.key", "attention/self/key",
          "attention.self.value", "attention/self/value",
          "attention.output.dense", "attention/output/dense",
          "attention.output.LayerNorm", "attention/output/LayerNorm",
          "intermediate.dense", "intermediate/dense",
          "output.dense", "output/dense",
          "output.LayerNorm", "output/LayerNorm");

  private OnnxBertImporter() {}

  /**
   * Reads and imports an ONNX BERT encoder.
   *
   * @param onnxFile the {@code .onnx} file, weights inside (no external data)
   * @param numHeads attention heads per layer (not stored in the weights: MiniLM, bge-small and
   *     e5-small have 12)
   * @param source provenance recorded in the spec (catalog name or Maven coordinates)
   * @throws UncheckedIOException if the file cannot be read
   * @throws IllegalArgumentException if the file is not a BERT encoder this importer understands;
   *     the message names the file and the offending tensors or nodes
   */
  public static Imported importBert(Path onnxFile, int numHeads, String source) {
    OnnxModel model;
    try {
      model = OnnxModelReader.read(onnxFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read ONNX file " + onnxFile, e);
    }
    return importBert(model, numHeads, source);
  }

  /** Imports an already parsed model (e.g. one read from a jar entry). */
  public static Imported importBert(OnnxModel model, int numHeads, String source) {
    return new Mapping(model).run(numHeads, source);
  }

  /** The state of one import: what each candidate tensor became, and the problems found. */
  private static final class Mapping {
    final OnnxModel model;
    final String where;
    final Map<String, OnnxTensorProto> candidates = new LinkedHashMap<>();
    final Map<String, String> mappedFrom = new LinkedHashMap<>(); // BERT name -> ONNX tensor
    final Weights weights = new Weights();
    final List<String> problems = new ArrayList<>();

    Mapping(OnnxModel model) {
      this.model = model;
      this.where = model.where();
      candidates.putAll(model.initializers());
      for (OnnxTensorProto c : model.constants().values()) {
        candidates.putIfAbsent(c.name(), c);
      }
    }

    Imported run(int numHeads, String source) {
      List<String> unknown = new ArrayList<>();
      for (OnnxTensorProto t : candidates.values()) {
        if (!map(t) && !knownUnused(t)) {
          unknown.add(describe(t));
        }
      }
      if (!unknown.isEmpty()) {
        problems.add(
            "unknown tensors (neither BERT weights nor graph constants): "
                + String.join("; ", unknown));
      }
      fail();

      FloatTensor words = required(BertLayout.WORD_EMBEDDINGS);
      FloatTensor positions = required(BertLayout.POSITION_EMBEDDINGS);
      FloatTensor types = required(BertLayout.TOKEN_TYPE_EMBEDDINGS);
      FloatTensor ffnKernel = required(BertLayout.intermediate(0) + "/kernel");
      fail();
      int hidden = (int) words.dim(1);
      if (numHeads <= 0 || hidden % numHeads != 0) {
        throw new IllegalArgumentException(
            where + ": hidden size " + hidden + " is not a multiple of the head count " + numHeads);
      }
      checkAttentionScale(hidden / numHeads, numHeads);
      Activation act = activation();
      double eps = layerNormEpsilon();
      fail();

      ModelSpec spec =
          ModelSpec.unpruned(
              Architecture.BERT,
              (int) words.dim(0),
              hidden,
              countLayers(),
              numHeads,
              (int) ffnKernel.dim(1),
              (int) positions.dim(0),
              (int) types.dim(0),
              act,
              eps,
              weights.contains(BertLayout.POOLER + "/kernel"),
              false,
              source,
              null);
      // Names, count and shapes of every tensor against what the spec needs.
      ModelLayout.of(spec).check(weights, where);
      return new Imported(spec, weights);
    }

    /** Maps {@code t} to a BERT weight if it is one; false if it is not a weight at all. */
    boolean map(OnnxTensorProto t) {
      if (!t.isFloat() || t.elementCount() <= 1) {
        return false;
      }
      Set<String> hfNames = new LinkedHashSet<>();
      if (HF_NAME.matcher(t.name()).matches()) {
        hfNames.add(stripBert(t.name()));
      } else {
        for (OnnxNode n : model.consumers(t.name())) {
          String derived = nameFromConsumer(t, n);
          if (derived != null) {
            hfNames.add(derived);
          }
        }
        if (hfNames.isEmpty()) {
          return false;
        }
      }
      for (String hf : hfNames) {
        String bert = bertName(hf);
        if (bert == null) {
          problems.add(
              describe(t)
                  + " was named '"
                  + hf
                  + "' from its consumer, which is no"
                  + " BERT weight");
          continue;
        }
        FloatTensor value = t.toFloatTensor();
        if (bert.endsWith("/kernel") && transposedKernel(t)) {
          // Stored [out, in] (PyTorch Linear layout); BERT kernels are [in, out].
          value = value.transpose2d();
        }
        String before = mappedFrom.putIfAbsent(bert, t.name());
        if (before != null) {
          problems.add("both '" + before + "' and '" + t.name() + "' map to " + bert);
        } else {
          weights.put(bert, value);
        }
      }
      return true;
    }

    /**
     * The Hugging Face parameter name of {@code t} as read by node {@code n}, or null if the node
     * does not read it as a parameter. Node names are scopes: {@code /encoder/layer.0/attention/
     * self/query/MatMul} is op MatMul in module {@code encoder.layer.0.attention.self.query}.
     */
    String nameFromConsumer(OnnxTensorProto t, OnnxNode n) {
      String module = moduleOf(n.name());
      if (module == null) {
        return null;
      }
      int input = n.inputIndex(t.name());
      boolean layerNorm = module.endsWith("LayerNorm");
      String kind =
          switch (n.opType()) {
            case "MatMul" -> input == 1 ? "weight" : null;
            case "Gemm" -> input == 1 ? "weight" : input == 2 ? "bias" : null;
            case "Gather" -> input == 0 ? "weight" : null;
            case "LayerNormalization" -> input == 1 ? "weight" : input == 2 ? "bias" : null;
            case "Mul" -> layerNorm ? "weight" : null;
            case "Add" -> "bias";
            case "Transpose" -> transposeFeedsDense(n) ? "weight" : null;
            default -> null;
          };
      return kind == null ? null : module + "." + kind;
    }

    /** Whether a Transpose node's output is the weight input of a MatMul (PyTorch [out, in]). */
    boolean transposeFeedsDense(OnnxNode transpose) {
      for (OnnxNode c : model.consumers(transpose.outputs().get(0))) {
        if ("MatMul".equals(c.opType()) && c.inputIndex(transpose.outputs().get(0)) == 1) {
          return true;
        }
      }
      return false;
    }

    /**
     * Whether a dense weight is stored [out, in], judged by every node that reads it: MatMul input
     * 1 and Gemm without transB read [in, out]; Gemm with transB=1 and a 2-D Transpose read [out,
     * in]. Square matrices make this the only evidence, so disagreement is an error.
     */
    boolean transposedKernel(OnnxTensorProto t) {
      Set<Boolean> seen = new TreeSet<>();
      for (OnnxNode n : model.consumers(t.name())) {
        int input = n.inputIndex(t.name());
        switch (n.opType()) {
          case "MatMul" -> {
            if (input == 1) {
              seen.add(false);
            }
          }
          case "Gemm" -> {
            OnnxAttribute transB = n.attribute("transB");
            if (input == 1) {
              seen.add(transB != null && transB.i() == 1);
            }
          }
          case "Transpose" -> {
            OnnxAttribute perm = n.attribute("perm");
            if (perm == null || java.util.Arrays.equals(perm.ints(), new long[] {1, 0})) {
              seen.add(true);
            }
          }
          default -> {}
        }
      }
      if (seen.size() != 1) {
        problems.add(
            "cannot tell whether dense weight "
                + describe(t)
                + " is [in, out] or"
                + " [out, in]: "
                + (seen.isEmpty()
                    ? "no MatMul, Gemm or Transpose reads it"
                    : "its readers disagree"));
        return false;
      }
      return seen.contains(true);
    }

    /**
     * Integer tensors (shapes, axes, indices) and float scalars are graph plumbing. The one integer
     * tensor with meaning, the position-id buffer, must count 0..n-1 as the BERT graph assumes.
     */
    boolean knownUnused(OnnxTensorProto t) {
      if (t.dataType() == OnnxTensorProto.INT64 || t.dataType() == OnnxTensorProto.INT32) {
        if (isPositionIds(t)) {
          long[] v = t.longs();
          for (int i = 0; i < v.length; i++) {
            if (v[i] != i) {
              problems.add(
                  "position ids "
                      + describe(t)
                      + " hold "
                      + v[i]
                      + " at index "
                      + i
                      + "; the BERT graph uses positions 0..n-1");
              break;
            }
          }
        }
        return true;
      }
      return t.isFloat() && t.elementCount() <= 1;
    }

    /** The HF buffer by name, or a [1, n] integer tensor sliced to feed the position embedding. */
    boolean isPositionIds(OnnxTensorProto t) {
      if (stripBert(t.name()).equals("embeddings.position_ids")) {
        return true;
      }
      if (t.dims().length != 2 || t.dims()[0] != 1) {
        return false;
      }
      for (OnnxNode n : model.consumers(t.name())) {
        if ("Slice".equals(n.opType()) && n.inputIndex(t.name()) == 0) {
          for (OnnxNode g : model.consumers(n.outputs().get(0))) {
            if ("Gather".equals(g.opType())
                && "embeddings.position_embeddings".equals(moduleOf(g.name()))) {
              return true;
            }
          }
        }
      }
      return false;
    }

    /** Verifies {@code numHeads} where a layer divides its attention scores by sqrt(head size). */
    void checkAttentionScale(int headSize, int numHeads) {
      double expected = Math.sqrt(headSize);
      List<String> wrong = new ArrayList<>();
      float scale = 0;
      for (OnnxNode n : model.nodes()) {
        String module = moduleOf(n.name());
        if (!"Div".equals(n.opType())
            || module == null
            || n.inputs().size() != 2
            || !module.matches("encoder\\.layer\\.\\d+\\.attention\\.self")) {
          continue;
        }
        OnnxTensorProto divisor = candidates.get(n.inputs().get(1));
        if (divisor != null
            && divisor.isFloat()
            && divisor.elementCount() == 1
            && Math.abs(divisor.floats()[0] - expected) > 1e-4 * expected) {
          scale = divisor.floats()[0];
          wrong.add("'" + n.name() + "'");
        }
      }
      if (!wrong.isEmpty()) {
        problems.add(
            numHeads
                + " heads give head size "
                + headSize
                + ", but "
                + wrong.get(0)
                + (wrong.size() > 1
                    ? " and " + (wrong.size() - 1) + " more nodes divide"
                    : " divides")
                + " attention scores by "
                + scale
                + " = sqrt("
                + Math.round((double) scale * scale)
                + "): wrong head count?");
      }
    }

    /** The FFN activation, from the op types under every layer's {@code intermediate} scope. */
    Activation activation() {
      Map<Integer, Set<String>> opsByLayer = new LinkedHashMap<>();
      for (OnnxNode n : model.nodes()) {
        String module = moduleOf(n.name());
        Matcher m = module == null ? null : LAYER.matcher(module);
        if (m != null && m.matches() && m.group(2).startsWith("intermediate")) {
          String op = n.opType();
          if (op.equals("Gelu") || op.equals("FastGelu") || op.equals("BiasGelu")) {
            OnnxAttribute approx = n.attribute("approximate");
            op =
                op.equals("FastGelu") || (approx != null && "tanh".equals(approx.string()))
                    ? "Tanh"
                    : "Erf";
          }
          opsByLayer.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new TreeSet<>()).add(op);
        }
      }
      Set<Activation> found = new LinkedHashSet<>();
      for (Map.Entry<Integer, Set<String>> e : opsByLayer.entrySet()) {
        Set<String> ops = e.getValue();
        if (ops.contains("Erf") == ops.contains("Tanh")) {
          problems.add(
              "cannot tell the FFN activation of layer "
                  + e.getKey()
                  + " from its ops "
                  + ops
                  + " (expected Erf for exact GELU or Tanh for the tanh approximation)");
        } else {
          found.add(ops.contains("Erf") ? Activation.GELU : Activation.GELU_TANH);
        }
      }
      if (opsByLayer.isEmpty()) {
        problems.add(
            "no nodes under an encoder.layer.N.intermediate scope: cannot tell the FFN"
                + " activation (node names must keep the PyTorch module scopes)");
      } else if (found.size() > 1) {
        problems.add("layers use different FFN activations " + found);
      }
      return found.isEmpty() ? Activation.GELU : found.iterator().next();
    }

    /**
     * The LayerNorm epsilon: the {@code epsilon} attribute of LayerNormalization nodes, or, for a
     * decomposed LayerNorm, the float scalar added to the variance before Sqrt. All must agree.
     */
    double layerNormEpsilon() {
      Map<Float, String> seen = new LinkedHashMap<>();
      for (OnnxNode n : model.nodes()) {
        String module = moduleOf(n.name());
        if (module == null || !module.endsWith("LayerNorm")) {
          continue;
        }
        if ("LayerNormalization".equals(n.opType())) {
          OnnxAttribute eps = n.attribute("epsilon");
          seen.putIfAbsent(eps == null ? 1e-5f : eps.f(), n.name()); // ONNX default 1e-5
        } else if ("Add".equals(n.opType()) && feedsSqrt(n)) {
          for (String in : n.inputs()) {
            OnnxTensorProto c = candidates.get(in);
            if (c != null && c.isFloat() && c.elementCount() == 1) {
              seen.putIfAbsent(c.floats()[0], n.name());
            }
          }
        }
      }
      if (seen.isEmpty()) {
        problems.add(
            "found no LayerNorm epsilon (no LayerNormalization node and no scalar Add"
                + " before Sqrt under a LayerNorm scope)");
        return 1e-12;
      }
      if (seen.size() > 1) {
        problems.add("LayerNorms use different epsilons " + seen);
      }
      // The float as written (1.0E-12), not its binary expansion (9.999999960041972E-13).
      return Double.parseDouble(Float.toString(seen.keySet().iterator().next()));
    }

    boolean feedsSqrt(OnnxNode n) {
      for (OnnxNode c : model.consumers(n.outputs().get(0))) {
        if ("Sqrt".equals(c.opType())) {
          return true;
        }
      }
      return false;
    }

    int countLayers() {
      int n = 0;
      while (weights.contains(BertLayout.query(n) + "/kernel")
          || weights.contains(BertLayout.intermediate(n) + "/kernel")) {
        n++;
      }
      // A gap (layer 3 missing, layer 4 present) is reported by the layout check as unexpected
      // tensors of layer 4 together with the missing ones of layer 3.
      return n;
    }

    FloatTensor required(String name) {
      if (!weights.contains(name)) {
        problems.add("missing tensor " + name);
        return null;
      }
      return weights.get(name);
    }

    void fail() {
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException(
            "cannot import " + where + " as BERT: " + String.join("; ", problems));
      }
    }

    String describe(OnnxTensorProto t) {
      List<String> readers = new ArrayList<>();
      for (OnnxNode n : model.consumers(t.name())) {
        readers.add(n.toString());
      }
      return "'"
          + t.name()
          + "' "
          + t.typeName()
          + t.shapeString()
          + (readers.isEmpty() ? " (read by no node)" : " read by " + readers);
    }
  }

  /**
   * The PyTorch module path of a scoped node name ({@code /encoder/layer.0/attention/self/query/
   * MatMul} gives {@code encoder.layer.0.attention.self.query}), without a {@code bert.} prefix;
   * null for an unscoped name.
   */
  static String moduleOf(String nodeName) {
    if (!nodeName.startsWith("/")) {
      return null;
    }
    int last = nodeName.lastIndexOf('/');
    if (last <= 0) {
      return null;
    }
    return stripBert(nodeName.substring(1, last).replace('/', '.'));
  }

  private static String stripBert(String name) {
    return name.startsWith("bert.") ? name.substring(5) : name;
  }

  /**
   * The Google BERT name of a Hugging Face parameter name (without {@code bert.}), or null if it is
   * none: {@code encoder.layer.3.output.LayerNorm.weight} gives {@code
   * bert/encoder/layer_3/output/LayerNorm/gamma}.
   */
  static String bertName(String hf) {
    int dot = hf.lastIndexOf('.');
    if (dot < 0) {
      return null;
    }
    String module = hf.substring(0, dot);
    String kind = hf.substring(dot + 1);
    String scope;
    Matcher m = LAYER.matcher(module);
    if (m.matches()) {
      String sub = LAYER_MODULES.get(m.group(2));
      scope = sub == null ? null : BertLayout.layer(Integer.parseInt(m.group(1))) + "/" + sub;
    } else {
      scope =
          switch (module) {
            case "embeddings.word_embeddings" -> BertLayout.WORD_EMBEDDINGS;
            case "embeddings.position_embeddings" -> BertLayout.POSITION_EMBEDDINGS;
            case "embeddings.token_type_embeddings" -> BertLayout.TOKEN_TYPE_EMBEDDINGS;
            case "embeddings.LayerNorm" -> BertLayout.EMBEDDINGS_LN;
            case "pooler.dense" -> BertLayout.POOLER;
            default -> null;
          };
    }
    if (scope == null) {
      return null;
    }
    if (module.startsWith("embeddings.") && !module.endsWith("LayerNorm")) {
      return kind.equals("weight") ? scope : null; // embedding tables have no bias
    }
    boolean layerNorm = module.endsWith("LayerNorm");
    return switch (kind) {
      case "weight" -> scope + (layerNorm ? "/gamma" : "/kernel");
      case "bias" -> scope + (layerNorm ? "/beta" : "/bias");
      default -> null;
    };
  }
}
