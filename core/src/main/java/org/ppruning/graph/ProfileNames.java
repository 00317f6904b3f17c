package org.ppruning.graph;

/** Output names of the {@code profile} signature. */
public final class ProfileNames {
  public static final String TOKEN_COUNT = "token_count";

  private ProfileNames() {}

  /** [K, heads * headSize]: the input of layer i's attention output projection. */
  public static String context(int layer) {
    return "layer_" + layer + "_attention_context";
  }

  /** [K, ffn]: the post-activation input of layer i's second FFN matrix. */
  public static String activation(int layer) {
    return "layer_" + layer + "_ffn_activation";
  }

  /** [heads]: per head, the sum over non-padding tokens of its mean |context|. */
  public static String headSalience(int layer) {
    return "layer_" + layer + "_head_salience";
  }

  /** [ffn]: per neuron, the sum over non-padding tokens of |activation|. */
  public static String neuronSalience(int layer) {
    return "layer_" + layer + "_neuron_salience";
  }
}
