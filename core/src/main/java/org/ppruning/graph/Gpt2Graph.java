package org.ppruning.graph;

import static org.ppruning.model.Gpt2Layout.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ppruning.model.LayerSpec;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TaskHead;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * GPT-2 (Radford et al., 2019), pre-LayerNorm causal decoder, read top-down: token and position
 * embeddings, blocks of masked self-attention and FFN each added to the residual, a final LayerNorm
 * and the LM head tied to the token embeddings.
 */
public final class Gpt2Graph {
  private Gpt2Graph() {}

  public static Forward forward(Ops tf, ModelSpec spec, WeightSource w, GraphInputs in) {
    int d = spec.hiddenSize();
    int dh = spec.headSize();
    double eps = spec.layerNormEps();
    var dims = Layers.Dims.of(tf, in.inputIds());

    Ops e = tf.withSubScope("embeddings");
    var ids = e.reshape(in.inputIds(), e.constant(new int[] {-1})); // [N]
    var positions = e.range(e.constant(0), dims.seq(), e.constant(1)); // [T]
    var tok = Layers.to3d(e, e.gather(w.get(WTE), ids, e.constant(0)), dims, d); // [B, T, d]
    var pos = e.gather(w.get(WPE), positions, e.constant(0)); // [T, d]
    Operand<TFloat32> x =
        Dropout.maybe(
            in.dropout(),
            e,
            e.reshape(e.math.add(tok, pos), e.constant(new int[] {-1, d})),
            0); // [N, d]

    var maskBias = causalBias(tf, in.attentionMask(), dims); // [B, 1, T, T]

    List<Operand<TFloat32>> contexts = new ArrayList<>();
    List<Operand<TFloat32>> activations = new ArrayList<>();
    List<Operand<TFloat32>> hidden = new ArrayList<>();
    for (int i = 0; i < spec.numLayers(); i++) {
      LayerSpec layer = spec.layers().get(i);
      Ops a = tf.withSubScope("layer_" + i).withSubScope("attention");
      if (layer.heads() == 0) {
        contexts.add(null);
        x = a.math.add(x, w.get(attnProj(i) + "/b")); // only the projection bias survives
      } else {
        var h = Layers.layerNorm(a, x, w.get(ln1(i) + "/g"), w.get(ln1(i) + "/b"), eps);
        var qkv = Layers.dense(a, h, w.get(cAttn(i) + "/w"), w.get(cAttn(i) + "/b")); // [N, 3hw]
        var parts = a.split(a.constant(1), qkv, 3L); // 3 x [N, hw]
        var ctx =
            Layers.attention(
                a,
                parts.output().get(0),
                parts.output().get(1),
                parts.output().get(2),
                maskBias,
                dims,
                layer.heads(),
                dh,
                in.dropout(),
                BertGraph.site(i, 1)); // [N, hw]
        contexts.add(ctx);
        x =
            a.math.add(
                x,
                Dropout.maybe(
                    in.dropout(),
                    a,
                    Layers.dense(a, ctx, w.get(attnProj(i) + "/w"), w.get(attnProj(i) + "/b")),
                    BertGraph.site(i, 2))); // [N, d]
      }

      Ops f = tf.withSubScope("layer_" + i).withSubScope("ffn");
      if (layer.ffn() == 0) {
        activations.add(null);
        x = f.math.add(x, w.get(mlpProj(i) + "/b"));
      } else {
        var h = Layers.layerNorm(f, x, w.get(ln2(i) + "/g"), w.get(ln2(i) + "/b"), eps);
        var act =
            Layers.gelu(
                f,
                Layers.dense(f, h, w.get(fc(i) + "/w"), w.get(fc(i) + "/b")),
                spec.hiddenAct()); // [N, ffn]
        activations.add(act);
        x =
            f.math.add(
                x,
                Dropout.maybe(
                    in.dropout(),
                    f,
                    Layers.dense(f, act, w.get(mlpProj(i) + "/w"), w.get(mlpProj(i) + "/b")),
                    BertGraph.site(i, 3))); // [N, d]
      }
      hidden.add(x);
    }

    Ops o = tf.withSubScope("lm_head");
    var hf = Layers.layerNorm(o, x, w.get(LN_F + "/g"), w.get(LN_F + "/b"), eps); // [N, d]
    var logits = o.linalg.matMul(hf, w.get(WTE), MatMul.transposeB(true)); // [N, V], tied
    Map<String, Operand<TFloat32>> outputs = new LinkedHashMap<>();
    outputs.put(
        "logits", tf.withName("logits").identity(Layers.to3d(o, logits, dims, spec.vocabSize())));
    if (spec.head() != null && spec.head().type().equals(TaskHead.EXTRACTIVE_QA)) {
      outputs.putAll(
          Layers.spanLogits(
              tf.withSubScope("qa"),
              Dropout.maybe(in.dropout(), tf, hf, 2),
              dims,
              w.get(QA_OUTPUTS + "/w"),
              w.get(QA_OUTPUTS + "/b")));
    }
    return new Forward(outputs, contexts, activations, hidden);
  }

  /** Causal plus key-padding bias: query t sees keys s <= t that are not padding. [B, 1, T, T]. */
  static Operand<TFloat32> causalBias(Ops tf, Operand<TInt32> attentionMask, Layers.Dims dims) {
    Ops c = tf.withSubScope("causal_mask");
    var ones = c.fill(c.stack(List.of(dims.seq(), dims.seq())), c.constant(1f)); // [T, T]
    var causal = c.linalg.bandPart(ones, c.constant(-1), c.constant(0)); // lower triangle [T, T]
    var keys =
        c.reshape(
            c.dtypes.cast(attentionMask, TFloat32.class),
            c.stack(List.of(dims.batch(), c.constant(1), c.constant(1), dims.seq()))); // [B,1,1,T]
    var allowed = c.math.mul(causal, keys); // [B, 1, T, T]
    return c.math.mul(c.math.sub(c.constant(1f), allowed), c.constant(Layers.MASKED));
  }
}
