package org.ppruning.train;

/**
 * What a training batch should predict, one form per head kind; unused fields are null.
 *
 * @param classes classification: the label id of every sample [B]
 * @param scores regression: the gold score of every sample [B]
 * @param starts extractive QA: the gold start token of every sample [B] (0, the first token, for
 *     unanswerable questions)
 * @param ends extractive QA: the gold end token (inclusive) of every sample [B]
 * @param positions language modelling: indices into the flattened [B * T] tokens whose prediction
 *     is scored [K]
 * @param tokens language modelling: the gold token id at each of {@code positions} [K] (causal LM:
 *     the next token; masked LM: the original token)
 */
public record Targets(
    int[] classes, float[] scores, int[] starts, int[] ends, int[] positions, int[] tokens) {

  public static Targets classes(int[] labelIds) {
    return new Targets(labelIds, null, null, null, null, null);
  }

  public static Targets scores(float[] scores) {
    return new Targets(null, scores, null, null, null, null);
  }

  public static Targets spans(int[] starts, int[] ends) {
    return new Targets(null, null, starts, ends, null, null);
  }

  public static Targets tokens(int[] positions, int[] tokens) {
    if (positions.length != tokens.length) {
      throw new IllegalArgumentException(
          positions.length + " positions but " + tokens.length + " target tokens");
    }
    return new Targets(null, null, null, null, positions, tokens);
  }

  /** Items the loss averages over: samples, or scored tokens for language models. */
  public int items() {
    return classes != null
        ? classes.length
        : scores != null ? scores.length : starts != null ? starts.length : positions.length;
  }
}
