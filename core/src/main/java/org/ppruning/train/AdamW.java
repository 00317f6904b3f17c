package org.ppruning.train;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * AdamW (Loshchilov and Hutter, "Decoupled Weight Decay Regularization", ICLR 2019) as graph ops.
 *
 * <pre>
 *   m = b1 m + (1 - b1) g          v = b2 v + (1 - b2) g^2
 *   w = w - lr (m / (1 - b1^t) / (sqrt(v / (1 - b2^t)) + eps) + decay w)
 * </pre>
 *
 * The step t and the learning rate are fed each step rather than kept in variables: bias correction
 * then needs no beta-power state, which is what makes TF Java's own Adam race (its power update is
 * not ordered with the weight update) and nondeterministic. Every update reads only values computed
 * before any assignment of the step, so the result does not depend on the order in which TensorFlow
 * runs the assignments.
 */
public final class AdamW {
  final float beta1;
  final float beta2;
  final float epsilon;
  final float weightDecay;

  public AdamW(float beta1, float beta2, float epsilon, float weightDecay) {
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.weightDecay = weightDecay;
  }

  /**
   * One update op for all parameters.
   *
   * @param params variables to train
   * @param grads their gradients, same order
   * @param decay per parameter, whether weight decay applies (not to biases and LayerNorm)
   * @param moments per parameter, the first- and second-moment slot variables
   * @param lr fed learning rate (scalar)
   * @param step fed 1-based step count (scalar float)
   */
  Op update(
      Ops tf,
      List<Output<TFloat32>> params,
      List<Operand<TFloat32>> grads,
      List<Boolean> decay,
      List<Output<TFloat32>[]> moments,
      Operand<TFloat32> lr,
      Operand<TFloat32> step) {
    Operand<TFloat32> c1 = tf.math.sub(tf.constant(1f), tf.math.pow(tf.constant(beta1), step));
    Operand<TFloat32> c2 = tf.math.sub(tf.constant(1f), tf.math.pow(tf.constant(beta2), step));
    List<Op> assigns = new ArrayList<>();
    for (int i = 0; i < params.size(); i++) {
      Output<TFloat32> w = params.get(i);
      Operand<TFloat32> g = grads.get(i);
      Output<TFloat32> m = moments.get(i)[0];
      Output<TFloat32> v = moments.get(i)[1];
      var m1 =
          tf.math.add(tf.math.mul(tf.constant(beta1), m), tf.math.mul(tf.constant(1 - beta1), g));
      var v1 =
          tf.math.add(
              tf.math.mul(tf.constant(beta2), v),
              tf.math.mul(tf.constant(1 - beta2), tf.math.square(g)));
      Operand<TFloat32> dir =
          tf.math.div(
              tf.math.div(m1, c1),
              tf.math.add(tf.math.sqrt(tf.math.div(v1, c2)), tf.constant(epsilon)));
      if (decay.get(i) && weightDecay > 0) {
        dir = tf.math.add(dir, tf.math.mul(tf.constant(weightDecay), tf.identity(w)));
      }
      var w1 = tf.math.sub(tf.identity(w), tf.math.mul(lr, dir));
      // Assign only after every new value of this parameter is computed.
      Ops after = tf.withControlDependencies(List.<Op>of(m1, v1, w1));
      assigns.add(after.assign(m, m1));
      assigns.add(after.assign(v, v1));
      assigns.add(after.assign(w, w1));
    }
    return tf.withControlDependencies(assigns).noOp();
  }
}
