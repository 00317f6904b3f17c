package org.ppruning.graph;

import java.util.List;
import org.ppruning.model.Activation;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Reshape;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The pieces every transformer here is made of, as small graph functions ({@code Ops} first,
 * operands in and out). Activations travel as 2-D [N, width] with N = batch x tokens, so every
 * projection is one plain MatMul; attention reshapes to 4-D only inside {@link #attention}.
 */
public final class Layers {
  /** Additive bias for masked attention scores; exp(-10000) underflows to exactly 0 in float32. */
  static final float MASKED = -10000f;

  private Layers() {}

  /** {@code x W + b}: x [N, in], kernel [in, out], bias [out] -> [N, out]. */
  public static Operand<TFloat32> dense(
      Ops tf, Operand<TFloat32> x, Operand<TFloat32> kernel, Operand<TFloat32> bias) {
    return tf.math.add(tf.linalg.matMul(x, kernel), bias);
  }

  /** LayerNorm over the last axis: {@code (x - mean) / sqrt(var + eps) * gamma + beta}. */
  public static Operand<TFloat32> layerNorm(
      Ops tf, Operand<TFloat32> x, Operand<TFloat32> gamma, Operand<TFloat32> beta, double eps) {
    Operand<TInt32> last = tf.constant(-1);
    var mean = tf.math.mean(x, last, org.tensorflow.op.math.Mean.keepDims(true)); // [N, 1]
    var variance =
        tf.math.mean(
            tf.math.squaredDifference(x, mean),
            last,
            org.tensorflow.op.math.Mean.keepDims(true)); // [N, 1]
    var normed =
        tf.math.mul(
            tf.math.sub(x, mean),
            tf.math.rsqrt(tf.math.add(variance, tf.constant((float) eps)))); // [N, d]
    return tf.math.add(tf.math.mul(normed, gamma), beta);
  }

  /**
   * GELU (Hendrycks and Gimpel, arXiv:1606.08415), written out in primitive ops because TensorFlow
   * has no gradient for its fused Gelu op. Exact: {@code 0.5 x (1 + erf(x / sqrt 2))}; tanh form:
   * {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}.
   */
  public static Operand<TFloat32> gelu(Ops tf, Operand<TFloat32> x, Activation kind) {
    Operand<TFloat32> inner;
    if (kind == Activation.GELU) {
      inner = tf.math.erf(tf.math.mul(x, tf.constant((float) (1 / Math.sqrt(2)))));
    } else {
      var cube = tf.math.mul(tf.math.mul(x, x), x);
      var poly = tf.math.add(x, tf.math.mul(tf.constant(0.044715f), cube));
      inner = tf.math.tanh(tf.math.mul(tf.constant((float) Math.sqrt(2 / Math.PI)), poly));
    }
    return tf.math.mul(tf.math.mul(tf.constant(0.5f), x), tf.math.add(tf.constant(1f), inner));
  }

  /**
   * Scaled dot-product attention for {@code heads} heads of width {@code headSize}.
   *
   * @param q [N, heads * headSize] queries (N = batch * seq)
   * @param k [N, heads * headSize] keys
   * @param v [N, heads * headSize] values
   * @param maskBias additive score bias broadcastable to [batch, heads, seq, seq]
   * @param dropout attention-probability dropout (training), or null
   * @param site dropout site id
   * @return the per-head context vectors [N, heads * headSize]: the input of the output projection
   */
  public static Operand<TFloat32> attention(
      Ops tf,
      Operand<TFloat32> q,
      Operand<TFloat32> k,
      Operand<TFloat32> v,
      Operand<TFloat32> maskBias,
      Dims dims,
      int heads,
      int headSize,
      Dropout dropout,
      int site) {
    Operand<TInt32> toHeads = dims.shape(tf, tf.constant(heads), tf.constant(headSize));
    Operand<TInt32> perm = tf.constant(new int[] {0, 2, 1, 3});
    var qh = tf.linalg.transpose(tf.reshape(q, toHeads), perm); // [B, h, T, dh]
    var kh = tf.linalg.transpose(tf.reshape(k, toHeads), perm); // [B, h, T, dh]
    var vh = tf.linalg.transpose(tf.reshape(v, toHeads), perm); // [B, h, T, dh]
    var scores = tf.train.batchMatMul(qh, kh, TFloat32.class, BatchMatMul.adjY(true)); // [B,h,T,T]
    var scaled =
        tf.math.add(tf.math.mul(scores, tf.constant((float) (1 / Math.sqrt(headSize)))), maskBias);
    var probs = Dropout.maybe(dropout, tf, tf.nn.softmax(scaled), site); // [B, h, T, T]
    var ctx = tf.train.batchMatMul(probs, vh, TFloat32.class); // [B, h, T, dh]
    var ctxT = tf.linalg.transpose(ctx, perm); // [B, T, h, dh]
    return tf.reshape(ctxT, tf.constant(new int[] {-1, heads * headSize})); // [N, h * dh]
  }

  /**
   * Extractive-QA span logits: a dense layer [d, 2] on every token, split into the start and end
   * logits. Padding is not masked here (the serving output is the raw score); trainers and span
   * decoders mask it.
   *
   * @param x [N, d] final hidden states
   * @return {@code start_logits} and {@code end_logits}, each [B, T]
   */
  public static java.util.Map<String, Operand<TFloat32>> spanLogits(
      Ops tf, Operand<TFloat32> x, Dims dims, Operand<TFloat32> kernel, Operand<TFloat32> bias) {
    var both = to3d(tf, dense(tf, x, kernel, bias), dims, 2); // [B, T, 2]
    var parts = tf.unstack(both, 2L, org.tensorflow.op.core.Unstack.axis(2L)); // 2 x [B, T]
    return java.util.Map.of(
        "start_logits", tf.withName("start_logits").identity(parts.output().get(0)),
        "end_logits", tf.withName("end_logits").identity(parts.output().get(1)));
  }

  /** Additive key-padding bias [B, 1, 1, T] from a 0/1 attention mask [B, T]. */
  public static Operand<TFloat32> paddingBias(Ops tf, Operand<TFloat32> mask, Dims dims) {
    var m =
        tf.reshape(
            mask,
            tf.stack(
                List.of(dims.batch(), tf.constant(1), tf.constant(1), dims.seq()))); // [B, 1, 1, T]
    return tf.math.mul(tf.math.sub(tf.constant(1f), m), tf.constant(MASKED));
  }

  /**
   * Mean of {@code x} [B, T, d] over the tokens whose 0/1 {@code mask} [B, T] is 1: [B, d]. Every
   * row has at least one real token (its first).
   */
  public static Operand<TFloat32> maskedMean(Ops tf, Operand<TFloat32> x, Operand<TFloat32> mask) {
    var m = tf.expandDims(mask, tf.constant(2)); // [B, T, 1]
    return tf.math.div(
        tf.reduceSum(tf.math.mul(x, m), tf.constant(1)),
        tf.reduceSum(m, tf.constant(1))); // [B, d] / [B, 1]
  }

  /** Drops the 2-D [N, w] view back to 3-D [B, T, w]. */
  public static Reshape<TFloat32> to3d(Ops tf, Operand<TFloat32> x, Dims dims, int width) {
    return tf.reshape(x, dims.shape(tf, tf.constant(width)));
  }

  /**
   * Dynamic batch and sequence sizes of the current inputs.
   *
   * @param batch scalar B
   * @param seq scalar T
   */
  public record Dims(Operand<TInt32> batch, Operand<TInt32> seq) {
    /** The dims of a [B, T] id tensor. */
    public static Dims of(Ops tf, Operand<TInt32> ids) {
      var shape = tf.shape(ids); // [2]
      return new Dims(
          tf.gather(shape, tf.constant(0), tf.constant(0)),
          tf.gather(shape, tf.constant(1), tf.constant(0)));
    }

    /** Shape [B, T, trailing...] as a 1-D int tensor. */
    Operand<TInt32> shape(Ops tf, Operand<TInt32>... trailing) {
      List<Operand<TInt32>> parts = new java.util.ArrayList<>(List.of(batch, seq));
      parts.addAll(List.of(trailing));
      return tf.stack(parts);
    }
  }
}
