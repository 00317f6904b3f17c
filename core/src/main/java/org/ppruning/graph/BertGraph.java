package org.ppruning.graph;

import static org.ppruning.model.BertLayout.*;

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
 * The BERT encoder (Devlin et al., arXiv:1810.04805), post-LayerNorm, read top-down: embeddings,
 * {@code numLayers} blocks of self-attention and FFN, pooler, masked-LM head. Layers may have any
 * number of heads and neurons, including none.
 */
public final class BertGraph {
  private BertGraph() {}

  public static Forward forward(Ops tf, ModelSpec spec, WeightSource w, GraphInputs in) {
    int d = spec.hiddenSize();
    double eps = spec.layerNormEps();
    var dims = Layers.Dims.of(tf, in.inputIds());
    Operand<TInt32> flat = tf.constant(new int[] {-1});

    // Embeddings: word + position + token type, then LayerNorm.
    Ops e = tf.withSubScope("embeddings");
    var ids = tf.reshape(in.inputIds(), flat); // [N]
    var types = tf.reshape(in.tokenTypeIds(), flat); // [N]
    var positions = tf.range(tf.constant(0), dims.seq(), tf.constant(1)); // [T]
    var word = e.gather(w.get(WORD_EMBEDDINGS), ids, tf.constant(0)); // [N, d]
    var type = e.gather(w.get(TOKEN_TYPE_EMBEDDINGS), types, tf.constant(0)); // [N, d]
    var pos = e.gather(w.get(POSITION_EMBEDDINGS), positions, tf.constant(0)); // [T, d]
    var wordPos =
        e.reshape(
            e.math.add(Layers.to3d(e, word, dims, d), pos),
            e.constant(new int[] {-1, d})); // [N, d]
    Dropout drop = in.dropout();
    Operand<TFloat32> x =
        Dropout.maybe(
            drop,
            e,
            Layers.layerNorm(
                e,
                e.math.add(wordPos, type),
                w.get(EMBEDDINGS_LN + "/gamma"),
                w.get(EMBEDDINGS_LN + "/beta"),
                eps),
            0); // [N, d]

    var mask = tf.dtypes.cast(in.attentionMask(), TFloat32.class); // [B, T]
    var maskBias = Layers.paddingBias(tf, mask, dims); // [B, 1, 1, T]

    List<Operand<TFloat32>> contexts = new ArrayList<>();
    List<Operand<TFloat32>> activations = new ArrayList<>();
    List<Operand<TFloat32>> hidden = new ArrayList<>();
    for (int i = 0; i < spec.numLayers(); i++) {
      LayerSpec layer = spec.layers().get(i);
      Ops a = tf.withSubScope("layer_" + i).withSubScope("attention");
      Operand<TFloat32> attnOut;
      if (layer.heads() == 0) {
        contexts.add(null);
        attnOut = w.get(attentionOutput(i) + "/bias"); // [d]: only the bias survives
      } else {
        var q = Layers.dense(a, x, w.get(query(i) + "/kernel"), w.get(query(i) + "/bias"));
        var k = Layers.dense(a, x, w.get(key(i) + "/kernel"), w.get(key(i) + "/bias"));
        var v = Layers.dense(a, x, w.get(value(i) + "/kernel"), w.get(value(i) + "/bias"));
        var ctx =
            Layers.attention(
                a, q, k, v, maskBias, dims, layer.heads(), spec.headSize(), drop, site(i, 1));
        contexts.add(ctx); // [N, h * dh]
        attnOut =
            Dropout.maybe(
                drop,
                a,
                Layers.dense(
                    a,
                    ctx,
                    w.get(attentionOutput(i) + "/kernel"),
                    w.get(attentionOutput(i) + "/bias")),
                site(i, 2)); // [N, d]
      }
      x =
          Layers.layerNorm(
              a,
              a.math.add(x, attnOut),
              w.get(attentionLn(i) + "/gamma"),
              w.get(attentionLn(i) + "/beta"),
              eps); // [N, d]

      Ops f = tf.withSubScope("layer_" + i).withSubScope("ffn");
      Operand<TFloat32> ffnOut;
      if (layer.ffn() == 0) {
        activations.add(null);
        ffnOut = w.get(output(i) + "/bias"); // [d]
      } else {
        var act =
            Layers.gelu(
                f,
                Layers.dense(
                    f, x, w.get(intermediate(i) + "/kernel"), w.get(intermediate(i) + "/bias")),
                spec.hiddenAct()); // [N, ffn]
        activations.add(act);
        ffnOut =
            Dropout.maybe(
                drop,
                f,
                Layers.dense(f, act, w.get(output(i) + "/kernel"), w.get(output(i) + "/bias")),
                site(i, 3)); // [N, d]
      }
      x =
          Layers.layerNorm(
              f,
              f.math.add(x, ffnOut),
              w.get(outputLn(i) + "/gamma"),
              w.get(outputLn(i) + "/beta"),
              eps); // [N, d]
      hidden.add(x);
    }

    Map<String, Operand<TFloat32>> outputs = new LinkedHashMap<>();
    var sequence = Layers.to3d(tf, x, dims, d); // [B, T, d]
    outputs.put("sequence_output", tf.withName("sequence_output").identity(sequence));
    Operand<TFloat32> pooled = null;
    if (spec.pooler()) {
      Ops p = tf.withSubScope("pooler");
      var first = p.gather(sequence, p.constant(0), p.constant(1)); // [B, d]
      pooled =
          p.math.tanh(
              Layers.dense(p, first, w.get(POOLER + "/kernel"), w.get(POOLER + "/bias"))); // [B, d]
      outputs.put("pooled_output", tf.withName("pooled_output").identity(pooled));
    }
    if (spec.head() != null && spec.head().readsSentence()) {
      Ops c = tf.withSubScope("classifier");
      var sentence = spec.head().usesPooler() ? pooled : Layers.maskedMean(c, sequence, mask);
      var logits =
          Layers.dense(
              c,
              Dropout.maybe(drop, c, sentence, 1),
              w.get(CLASSIFIER + "/kernel"),
              w.get(CLASSIFIER + "/bias")); // [B, labels] or [B, 1]
      outputs.put("logits", tf.withName("logits").identity(logits));
      if (spec.head().type().equals(TaskHead.REGRESSION)) {
        outputs.put(
            "score",
            tf.withName("score").identity(c.reshape(logits, c.constant(new int[] {-1})))); // [B]
      } else {
        outputs.put("probabilities", tf.withName("probabilities").identity(c.nn.softmax(logits)));
      }
    }
    if (spec.head() != null && spec.head().type().equals(TaskHead.EXTRACTIVE_QA)) {
      outputs.putAll(
          Layers.spanLogits(
              tf.withSubScope("qa"),
              Dropout.maybe(drop, tf, x, 2),
              dims,
              w.get(QA_OUTPUTS + "/kernel"),
              w.get(QA_OUTPUTS + "/bias")));
    }
    if (spec.mlmHead()) {
      Ops m = tf.withSubScope("mlm");
      var t =
          Layers.gelu(
              m,
              Layers.dense(m, x, w.get(MLM_TRANSFORM + "/kernel"), w.get(MLM_TRANSFORM + "/bias")),
              spec.hiddenAct()); // [N, d]
      t =
          Layers.layerNorm(
              m, t, w.get(MLM_TRANSFORM_LN + "/gamma"), w.get(MLM_TRANSFORM_LN + "/beta"), eps);
      var logits =
          m.math.add(
              m.linalg.matMul(t, w.get(WORD_EMBEDDINGS), MatMul.transposeB(true)),
              w.get(MLM_OUTPUT_BIAS)); // [N, V]: decoder tied to the word embeddings
      outputs.put(
          "mlm_logits",
          tf.withName("mlm_logits").identity(Layers.to3d(m, logits, dims, spec.vocabSize())));
    }
    return new Forward(outputs, contexts, activations, hidden);
  }

  /** Dropout site ids: unique per layer and place. */
  static int site(int layer, int place) {
    return 10 + 4 * layer + place;
  }
}
