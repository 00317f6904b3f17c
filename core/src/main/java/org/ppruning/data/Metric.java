package org.ppruning.data;

/**
 * The numbers a trainer reports for a task, named as the GLUE and SQuAD leaderboards name them.
 * {@link #id()} is the key to use in reports and JSON.
 */
public enum Metric {
  /** Fraction of samples whose predicted label equals the gold label. */
  ACCURACY("accuracy"),
  /** F1 of the positive class (label index 1), as GLUE reports it for MRPC and QQP. */
  F1("f1"),
  /** Matthews correlation coefficient of binary predictions (CoLA). */
  MATTHEWS_CORRELATION("matthews_correlation"),
  /** Pearson correlation of predicted and gold scores (STS-B). */
  PEARSON("pearson"),
  /** Spearman rank correlation of predicted and gold scores (STS-B). */
  SPEARMAN("spearman"),
  /** Fraction of questions whose normalised predicted answer equals a gold answer (SQuAD). */
  EXACT_MATCH("exact_match"),
  /** Best token-overlap F1 between the predicted answer and any gold answer (SQuAD "f1"). */
  TOKEN_F1("token_f1"),
  /** exp(mean negative log-likelihood per token) on held-out text. */
  PERPLEXITY("perplexity");

  private final String id;

  Metric(String id) {
    this.id = id;
  }

  /** The report key, e.g. {@code matthews_correlation}. */
  public String id() {
    return id;
  }
}
