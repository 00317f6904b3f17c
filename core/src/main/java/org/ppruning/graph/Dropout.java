package org.ppruning.graph;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Dropout for training graphs (Srivastava et al., JMLR 2014), inverted: kept activations are scaled
 * by 1/(1-rate). Masks come from stateless random ops seeded by (step seed, site), so a training
 * run with the same seed and data draws the same masks, bit for bit.
 *
 * @param rate probability of dropping an activation, in [0, 1)
 * @param stepSeed a scalar fed each step
 */
public record Dropout(float rate, Operand<TInt64> stepSeed) {

  public Dropout {
    if (!(rate >= 0 && rate < 1)) {
      throw new IllegalArgumentException("dropout rate must be in [0, 1), got " + rate);
    }
  }

  /** {@code x} with dropout applied; {@code site} must differ between the places it is used. */
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, int site) {
    if (rate == 0f) {
      return x;
    }
    var seed = tf.stack(List.of(stepSeed, tf.constant((long) site))); // [2]
    var u = tf.random.statelessRandomUniform(tf.shape(x), seed); // same shape as x, in [0, 1)
    var keep = tf.math.floor(tf.math.add(u, tf.constant(1f - rate))); // 1 with prob 1 - rate
    return tf.math.mul(x, tf.math.mul(keep, tf.constant(1f / (1f - rate))));
  }

  /** Applies dropout if {@code d} is not null. */
  static Operand<TFloat32> maybe(Dropout d, Ops tf, Operand<TFloat32> x, int site) {
    return d == null ? x : d.apply(tf, x, site);
  }
}
