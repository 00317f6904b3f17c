package org.ppruning.data;

import java.util.List;

/**
 * What a trainer needs to know about a task: its kind, its labels, the metrics to report, and
 * honestly what real benchmark it stands in for.
 *
 * @param name registry name ({@code sentiment}, {@code cola}, ...)
 * @param kind what the model predicts
 * @param labels classification only: the label values as samples carry them, in class-index order
 *     (class {@code i} is {@code labels.get(i)}); empty for other kinds
 * @param labelNames human names of {@link #labels} in the same order (e.g. {@code negative}, {@code
 *     positive}); empty for other kinds
 * @param metrics what to report, the first being the task's main number
 * @param standsInFor the benchmark this data imitates and how it differs, or "itself" for the
 *     official data
 * @param source where the data comes from (package coordinates or the official file names)
 */
public record Task(
    String name,
    TaskKind kind,
    List<String> labels,
    List<String> labelNames,
    List<Metric> metrics,
    String standsInFor,
    String source) {

  public Task {
    if (name == null || name.isBlank() || kind == null || metrics == null || metrics.isEmpty()) {
      throw new IllegalArgumentException("a task needs a name, a kind and at least one metric");
    }
    labels = List.copyOf(labels);
    labelNames = List.copyOf(labelNames);
    metrics = List.copyOf(metrics);
    if (kind.isClassification() != !labels.isEmpty()) {
      throw new IllegalArgumentException(
          "task "
              + name
              + ": "
              + kind
              + " must "
              + (kind.isClassification() ? "" : "not ")
              + "have labels, got "
              + labels);
    }
    if (kind.isClassification() && labels.size() < 2) {
      throw new IllegalArgumentException(
          "task " + name + ": needs at least 2 labels, got " + labels);
    }
    if (labelNames.size() != labels.size()) {
      throw new IllegalArgumentException(
          "task "
              + name
              + ": "
              + labels.size()
              + " labels but "
              + labelNames.size()
              + " label names");
    }
    if (labels.stream().distinct().count() != labels.size()) {
      throw new IllegalArgumentException("task " + name + ": duplicate labels " + labels);
    }
  }

  /** A classification task. */
  public static Task classification(
      String name,
      TaskKind kind,
      List<String> labels,
      List<String> labelNames,
      List<Metric> metrics,
      String standsInFor,
      String source) {
    return new Task(name, kind, labels, labelNames, metrics, standsInFor, source);
  }

  /** A task without labels (regression, QA, language modelling). */
  public static Task unlabelled(
      String name, TaskKind kind, List<Metric> metrics, String standsInFor, String source) {
    return new Task(name, kind, List.of(), List.of(), metrics, standsInFor, source);
  }

  /** The class index of a label value. */
  public int labelIndex(String label) {
    int i = labels.indexOf(label);
    if (i < 0) {
      throw new IllegalArgumentException(
          "task " + name + " has no label '" + label + "'; labels: " + labels);
    }
    return i;
  }
}
