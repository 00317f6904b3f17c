package org.ppruning.features;

import java.util.Arrays;
import org.ppruning.model.FloatTensor;

/**
 * Step 1 output for one layer (Wang et al., 2024, Sec. 3.1): unit activations at the sampled tokens
 * and unit salience.
 *
 * <p>Immutable: the tensors and arrays are copied in and every accessor returns a copy. Each is
 * read once per layer by a pruning run (a BERT-base layer's tensors are 3 MB), so the copies cost
 * nothing next to the distances computed from them.
 *
 * @param heads [k, heads * headSize]: the attention output projection's input (per-head context
 *     vectors) at the k sampled tokens, in token-hash order
 * @param neurons [k, ffn]: post-activation inputs of the second FFN matrix there
 * @param headSalience per head, mean |context| over all non-padding tokens (and its dims)
 * @param neuronSalience per neuron, mean |activation| over all non-padding tokens
 */
public record LayerFeatures(
    FloatTensor heads, FloatTensor neurons, double[] headSalience, double[] neuronSalience) {

  public LayerFeatures {
    if (heads == null || neurons == null) {
      throw new IllegalArgumentException(
          "layer features are missing their "
              + (heads == null ? "head" : "neuron")
              + " activations");
    }
    if (headSalience == null || neuronSalience == null) {
      throw new IllegalArgumentException(
          "layer features are missing their "
              + (headSalience == null ? "head" : "neuron")
              + " salience");
    }
    if (heads.rank() != 2 || neurons.rank() != 2 || heads.dim(0) != neurons.dim(0)) {
      throw new IllegalArgumentException(
          "head and neuron activations must be [tokens, units]"
              + " with the same tokens, got "
              + heads.shapeString()
              + " and "
              + neurons.shapeString());
    }
    if (neuronSalience.length != neurons.dim(1)) {
      throw new IllegalArgumentException(
          neuronSalience.length + " neuron salience values for " + neurons.dim(1) + " neurons");
    }
    long width = heads.dim(1);
    if (headSalience.length == 0 ? width != 0 : width % headSalience.length != 0) {
      throw new IllegalArgumentException(
          headSalience.length
              + " head salience values for head"
              + " activations "
              + width
              + " wide, expected a divisor of the width");
    }
    heads = copy(heads);
    neurons = copy(neurons);
    headSalience = headSalience.clone();
    neuronSalience = neuronSalience.clone();
  }

  /** Token rows (k) of both activation matrices, without copying them. */
  public int rows() {
    return (int) heads.dim(0);
  }

  /** Width of the head activations, heads times head size, without copying them. */
  public int headWidth() {
    return (int) heads.dim(1);
  }

  /** Number of heads (salience values), without copying. */
  public int headCount() {
    return headSalience.length;
  }

  /** A copy of the head activations [k, heads * headSize]. */
  @Override
  public FloatTensor heads() {
    return copy(heads);
  }

  /** A copy of the neuron activations [k, ffn]. */
  @Override
  public FloatTensor neurons() {
    return copy(neurons);
  }

  /** A copy of the head salience. */
  @Override
  public double[] headSalience() {
    return headSalience.clone();
  }

  /** A copy of the neuron salience. */
  @Override
  public double[] neuronSalience() {
    return neuronSalience.clone();
  }

  private static FloatTensor copy(FloatTensor t) {
    return new FloatTensor(t.shape().clone(), t.data().clone());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LayerFeatures f
        && heads.equals(f.heads)
        && neurons.equals(f.neurons)
        && Arrays.equals(headSalience, f.headSalience)
        && Arrays.equals(neuronSalience, f.neuronSalience);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * (31 * heads.hashCode() + neurons.hashCode()) + Arrays.hashCode(headSalience))
        + Arrays.hashCode(neuronSalience);
  }

  @Override
  public String toString() {
    return "LayerFeatures[heads="
        + heads.shapeString()
        + ", neurons="
        + neurons.shapeString()
        + "]";
  }
}
