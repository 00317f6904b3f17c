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

  /**
   * [B, heads * headSize]: per sample of the batch, the sum over its non-padding tokens of
   * |context| (per dimension; a head's salience averages its dimensions).
   */
  public static String contextAbsSum(int layer) {
    return "layer_" + layer + "_attention_context_abs_sum";
  }

  /** [B, ffn]: per sample of the batch, the sum over its non-padding tokens of |activation|. */
  public static String activationAbsSum(int layer) {
    return "layer_" + layer + "_ffn_activation_abs_sum";
  }
}
