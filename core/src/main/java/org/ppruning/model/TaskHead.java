package org.ppruning.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A fine-tuned model's task head, stored in its spec. One objective per kind:
 *
 * <ul>
 *   <li>{@code classification}: a sentence vector ({@link #pooling}), dropout, {@code
 *       classifier/kernel} [d, labels] and {@code classifier/bias}; softmax cross-entropy. Serves
 *       {@code logits}, {@code probabilities} [B, labels].
 *   <li>{@code regression}: the same dense layer with one output; mean squared error. Serves {@code
 *       logits} [B, 1] and {@code score} [B].
 *   <li>{@code extractive_qa}: {@code qa_outputs/kernel} [d, 2] on every token of the sequence
 *       output; cross-entropy of the gold start and end token. Serves {@code start_logits}, {@code
 *       end_logits} [B, T].
 *   <li>{@code causal_lm} (gpt2): the LM head tied to the token embeddings, next-token
 *       cross-entropy. Serves {@code logits} [B, T, V]. No extra weights.
 *   <li>{@code masked_lm} (bert): the MLM head, decoder tied to the word embeddings, cross-entropy
 *       at masked positions. Serves {@code mlm_logits} [B, T, V]. No extra weights.
 * </ul>
 *
 * <p>The sentence vector of classification and regression is one of:
 *
 * <ul>
 *   <li>{@code pooler}: BERT's pooler, a tanh dense layer on the first token (Devlin et al.). Specs
 *       written before pooling was a choice read as this.
 *   <li>{@code mean}: the mean of the last layer over the real (unpadded) tokens, the sentence
 *       embedding sentence-transformers models such as all-MiniLM-L6-v2 were trained to give
 *       (Reimers and Gurevych, arXiv:1908.10084). No extra weights.
 * </ul>
 *
 * @param type one of the kinds above
 * @param labels classification: label names in output order (at least two); other kinds: empty
 * @param task the task it was trained on (for provenance)
 * @param pooling classification and regression: {@code pooler} (also when null) or {@code mean};
 *     other kinds: null
 */
public record TaskHead(
    String type,
    List<String> labels,
    String task,
    @JsonInclude(JsonInclude.Include.NON_NULL) String pooling) {
  public static final String CLASSIFICATION = "classification";
  public static final String REGRESSION = "regression";
  public static final String EXTRACTIVE_QA = "extractive_qa";
  public static final String CAUSAL_LM = "causal_lm";
  public static final String MASKED_LM = "masked_lm";
  public static final List<String> TYPES =
      List.of(CLASSIFICATION, REGRESSION, EXTRACTIVE_QA, CAUSAL_LM, MASKED_LM);

  /** Sentence vector: BERT's pooler on the first token. */
  public static final String POOLER = "pooler";

  /** Sentence vector: mean of the last layer over the real tokens. */
  public static final String MEAN = "mean";

  public static final List<String> POOLINGS = List.of(POOLER, MEAN);

  public TaskHead {
    if (!TYPES.contains(type)) {
      throw new IllegalArgumentException(
          "unsupported head type '" + type + "' (supported: " + String.join(", ", TYPES) + ")");
    }
    labels = labels == null ? List.of() : List.copyOf(labels);
    if (CLASSIFICATION.equals(type) && labels.size() < 2) {
      throw new IllegalArgumentException(
          "a classification head needs at least two labels, got " + labels);
    }
    if (!CLASSIFICATION.equals(type) && !labels.isEmpty()) {
      throw new IllegalArgumentException("a " + type + " head has no labels, got " + labels);
    }
    if (labels.stream().distinct().count() != labels.size()) {
      throw new IllegalArgumentException("duplicate label names in " + labels);
    }
    boolean sentence = CLASSIFICATION.equals(type) || REGRESSION.equals(type);
    if (sentence) {
      pooling = pooling == null ? POOLER : pooling;
      if (!POOLINGS.contains(pooling)) {
        throw new IllegalArgumentException(
            "unsupported pooling '"
                + pooling
                + "' (supported: "
                + String.join(", ", POOLINGS)
                + ")");
      }
    } else if (pooling != null) {
      throw new IllegalArgumentException(
          "a " + type + " head has no pooling, got '" + pooling + "'");
    }
  }

  /** A head with BERT's pooler where it has a sentence vector. */
  public TaskHead(String type, List<String> labels, String task) {
    this(type, labels, task, null);
  }

  /** A head of one kind without labels (regression, QA, language modelling). */
  public static TaskHead of(String type, String task) {
    return new TaskHead(type, List.of(), task);
  }

  /** The same head with another sentence vector (classification and regression). */
  public TaskHead withPooling(String p) {
    return new TaskHead(type, labels, task, p);
  }

  /** Classification and regression read a sentence vector (a dense layer on top of it). */
  public boolean readsSentence() {
    return pooling != null;
  }

  /** The sentence vector is BERT's pooler (which then must exist, and trains). */
  public boolean usesPooler() {
    return POOLER.equals(pooling);
  }

  /** Outputs of the {@code classifier} dense layer: the labels, or 1 for regression. */
  public int classifierOutputs() {
    return REGRESSION.equals(type) ? 1 : labels.size();
  }
}
