package org.ppruning.model;

import java.util.List;

/**
 * A fine-tuned model's task head, stored in its spec: sequence classification over the pooled
 * output (dropout, then {@code classifier/kernel} [d, labels] and {@code classifier/bias}).
 *
 * @param type   {@code classification}
 * @param labels label names, in output order (at least two)
 * @param task   the task it was trained on (for provenance)
 */
public record TaskHead(String type, List<String> labels, String task) {
  public static final String CLASSIFICATION = "classification";

  public TaskHead {
    if (!CLASSIFICATION.equals(type)) {
      throw new IllegalArgumentException("unsupported head type '" + type
          + "' (supported: classification)");
    }
    if (labels == null || labels.size() < 2) {
      throw new IllegalArgumentException("a classification head needs at least two labels, got "
          + labels);
    }
    if (labels.stream().distinct().count() != labels.size()) {
      throw new IllegalArgumentException("duplicate label names in " + labels);
    }
    labels = List.copyOf(labels);
  }
}
