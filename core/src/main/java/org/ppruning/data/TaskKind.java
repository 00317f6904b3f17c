package org.ppruning.data;

/** What a task asks of a model, which decides the head the trainer puts on it and its inputs. */
public enum TaskKind {
  /** One text -> one of {@link Task#labels()} (SST-2, CoLA). Data: {@link Sample} without pair. */
  SINGLE_SENTENCE_CLASSIFICATION,
  /** Two texts -> one of {@link Task#labels()} (MRPC, QQP, MNLI, QNLI, RTE, WNLI). */
  SENTENCE_PAIR_CLASSIFICATION,
  /** One or two texts -> a real number carried as the label string (STS-B: 0 to 5). */
  REGRESSION,
  /** Question + context -> an answer span by character offsets (SQuAD). Data: {@link QaSample}. */
  EXTRACTIVE_QA,
  /** Next-token prediction on plain text (WikiText, PTB). Data: {@link TextDocument}. */
  CAUSAL_LM,
  /** Masked-token prediction on plain text. Data: {@link TextDocument}. */
  MASKED_LM;

  /** True for the kinds whose samples carry one of a fixed set of labels. */
  public boolean isClassification() {
    return this == SINGLE_SENTENCE_CLASSIFICATION || this == SENTENCE_PAIR_CLASSIFICATION;
  }

  /** True for the kinds whose data is plain text documents. */
  public boolean isLanguageModelling() {
    return this == CAUSAL_LM || this == MASKED_LM;
  }
}
