package org.ppruning.train;

import java.util.HashMap;
import java.util.Map;
import org.ppruning.graph.BertGraph;
import org.ppruning.graph.Forward;
import org.ppruning.graph.Gpt2Graph;
import org.ppruning.graph.GraphInputs;
import org.ppruning.graph.Tensors;
import org.ppruning.model.Architecture;
import org.ppruning.model.ModelLayout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.Weights;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Keeps a pruned model's layers close to those of the model it was pruned from while it fine-tunes:
 * the squared difference of every layer's output, averaged over the hidden size, the real tokens
 * and the layers, is added to the task loss times {@code weight}. The teacher is the pre-trained
 * model itself (its weights are constants, it has no dropout), so no fine-tuned model is needed and
 * pruning still comes before any fine-tuning. Pruning keeps the layer count and the hidden size, so
 * layer i of the student is compared with layer i of the teacher.
 *
 * @param spec the teacher's spec
 * @param weights the teacher's weights
 * @param weight factor of the distillation loss (> 0)
 * @param decay whether the factor falls linearly from {@code weight} at the first step to zero
 *     after the last (the teacher repairs the pruned layers early, the task has the last word), or
 *     stays constant
 */
public record Distillation(ModelSpec spec, Weights weights, float weight, boolean decay) {
  public Distillation {
    if (!(weight > 0) || !Float.isFinite(weight)) {
      throw new IllegalArgumentException(
          "distillation weight must be a finite number > 0, got " + weight);
    }
    ModelLayout.of(spec).check(weights, "the teacher " + spec.source());
  }

  /** A constant weight. */
  public Distillation(ModelSpec spec, Weights weights, float weight) {
    this(spec, weights, weight, false);
  }

  /** Factor of {@link #weight} at 1-based {@code step} of {@code total}. */
  float scale(int step, int total) {
    return decay ? (float) (total - step + 1) / total : 1f;
  }

  /** Throws naming both models if the student's layers cannot be compared with the teacher's. */
  void checkStudent(ModelSpec student) {
    if (student.architecture() != spec.architecture()
        || student.hiddenSize() != spec.hiddenSize()
        || student.numLayers() != spec.numLayers()
        || student.vocabSize() != spec.vocabSize()) {
      throw new IllegalArgumentException(
          "cannot distil "
              + describe(student)
              + " from "
              + describe(spec)
              + ": the architecture, vocabulary, hidden size and layer count must"
              + " match");
    }
  }

  private static String describe(ModelSpec s) {
    return s.source()
        + " ("
        + s.architecture().id()
        + ", vocabulary "
        + s.vocabSize()
        + ", "
        + s.numLayers()
        + " layers, hidden "
        + s.hiddenSize()
        + ")";
  }

  /**
   * The distillation loss, unweighted (scalar): builds the teacher's forward pass on the same
   * inputs, without dropout.
   *
   * @param student the student's forward pass
   * @param in the student's inputs (their dropout is not used)
   */
  Operand<TFloat32> loss(Ops tf, Forward student, GraphInputs in) {
    Ops t = tf.withSubScope("teacher");
    Map<String, Operand<TFloat32>> constants = new HashMap<>();
    GraphInputs plain = new GraphInputs(in.inputIds(), in.attentionMask(), in.tokenTypeIds());
    Forward teacher =
        spec.architecture() == Architecture.BERT
            ? BertGraph.forward(
                t, spec, n -> constants.computeIfAbsent(n, k -> constant(t, k)), plain)
            : Gpt2Graph.forward(
                t, spec, n -> constants.computeIfAbsent(n, k -> constant(t, k)), plain);
    Ops d = tf.withSubScope("distillation");
    var real =
        d.reshape(
            d.dtypes.cast(in.attentionMask(), TFloat32.class), d.constant(new int[] {-1})); // [N]
    var count = d.reduceSum(real, d.constant(0));
    Operand<TFloat32> sum = d.constant(0f);
    for (int i = 0; i < spec.numLayers(); i++) {
      var diff = d.math.sub(student.hidden().get(i), teacher.hidden().get(i)); // [N, d]
      var perToken = d.math.mean(d.math.square(diff), d.constant(1)); // [N]
      sum =
          d.math.add(
              sum, d.math.div(d.reduceSum(d.math.mul(perToken, real), d.constant(0)), count));
    }
    return d.math.div(sum, d.constant((float) spec.numLayers()));
  }

  private Operand<TFloat32> constant(Ops tf, String name) {
    try (TFloat32 v = Tensors.of(weights.get(name))) {
      return tf.constant(v);
    }
  }
}
