package org.ppruning.data;

import java.util.List;

/**
 * The nine GLUE tasks and the exact TSV layout GLUE publishes for each (the files written by the
 * GLUE download script: {@code train.tsv}, {@code dev.tsv} or MNLI's {@code dev_matched.tsv} /
 * {@code dev_mismatched.tsv}, and {@code test*.tsv} without labels). Read them with {@link
 * GlueTsv}.
 *
 * <p>Columns are zero-based. Every file has a header line except CoLA's train and dev files.
 */
public enum GlueTask {
  COLA(
      "cola",
      "CoLA",
      TaskKind.SINGLE_SENTENCE_CLASSIFICATION,
      List.of("0", "1"),
      List.of("unacceptable", "acceptable"),
      List.of(Metric.MATTHEWS_CORRELATION),
      new Layout(null, 4, -1, 3, -1, 1),
      new Layout(List.of("index", "sentence"), 2, 0, 1, -1, -1)),
  SST2(
      "sst2",
      "SST-2",
      TaskKind.SINGLE_SENTENCE_CLASSIFICATION,
      List.of("0", "1"),
      List.of("negative", "positive"),
      List.of(Metric.ACCURACY),
      new Layout(List.of("sentence", "label"), 2, -1, 0, -1, 1),
      new Layout(List.of("index", "sentence"), 2, 0, 1, -1, -1)),
  MRPC(
      "mrpc",
      "MRPC",
      TaskKind.SENTENCE_PAIR_CLASSIFICATION,
      List.of("0", "1"),
      List.of("not_equivalent", "equivalent"),
      List.of(Metric.F1, Metric.ACCURACY),
      new Layout(List.of("Quality", "#1 ID", "#2 ID", "#1 String", "#2 String"), 5, -1, 3, 4, 0),
      new Layout(List.of("index", "#1 ID", "#2 ID", "#1 String", "#2 String"), 5, 0, 3, 4, -1)),
  STSB(
      "stsb",
      "STS-B",
      TaskKind.REGRESSION,
      List.of(),
      List.of(),
      List.of(Metric.PEARSON, Metric.SPEARMAN),
      new Layout(
          List.of(
              "index",
              "genre",
              "filename",
              "year",
              "old_index",
              "source1",
              "source2",
              "sentence1",
              "sentence2",
              "score"),
          10,
          0,
          7,
          8,
          9),
      new Layout(
          List.of(
              "index",
              "genre",
              "filename",
              "year",
              "old_index",
              "source1",
              "source2",
              "sentence1",
              "sentence2"),
          9,
          0,
          7,
          8,
          -1)),
  QQP(
      "qqp",
      "QQP",
      TaskKind.SENTENCE_PAIR_CLASSIFICATION,
      List.of("0", "1"),
      List.of("not_duplicate", "duplicate"),
      List.of(Metric.ACCURACY, Metric.F1),
      new Layout(
          List.of("id", "qid1", "qid2", "question1", "question2", "is_duplicate"), 6, 0, 3, 4, 5),
      new Layout(List.of("id", "question1", "question2"), 3, 0, 1, 2, -1)),
  MNLI(
      "mnli",
      "MNLI",
      TaskKind.SENTENCE_PAIR_CLASSIFICATION,
      List.of("entailment", "neutral", "contradiction"),
      List.of("entailment", "neutral", "contradiction"),
      List.of(Metric.ACCURACY),
      new Layout(
          List.of(
              "index",
              "promptID",
              "pairID",
              "genre",
              "sentence1_binary_parse",
              "sentence2_binary_parse",
              "sentence1_parse",
              "sentence2_parse",
              "sentence1",
              "sentence2",
              "label1",
              "gold_label"),
          12,
          0,
          8,
          9,
          11),
      new Layout(
          List.of(
              "index",
              "promptID",
              "pairID",
              "genre",
              "sentence1_binary_parse",
              "sentence2_binary_parse",
              "sentence1_parse",
              "sentence2_parse",
              "sentence1",
              "sentence2"),
          10,
          0,
          8,
          9,
          -1)),
  QNLI(
      "qnli",
      "QNLI",
      TaskKind.SENTENCE_PAIR_CLASSIFICATION,
      List.of("entailment", "not_entailment"),
      List.of("entailment", "not_entailment"),
      List.of(Metric.ACCURACY),
      new Layout(List.of("index", "question", "sentence", "label"), 4, 0, 1, 2, 3),
      new Layout(List.of("index", "question", "sentence"), 3, 0, 1, 2, -1)),
  RTE(
      "rte",
      "RTE",
      TaskKind.SENTENCE_PAIR_CLASSIFICATION,
      List.of("entailment", "not_entailment"),
      List.of("entailment", "not_entailment"),
      List.of(Metric.ACCURACY),
      new Layout(List.of("index", "sentence1", "sentence2", "label"), 4, 0, 1, 2, 3),
      new Layout(List.of("index", "sentence1", "sentence2"), 3, 0, 1, 2, -1)),
  WNLI(
      "wnli",
      "WNLI",
      TaskKind.SENTENCE_PAIR_CLASSIFICATION,
      List.of("0", "1"),
      List.of("not_entailment", "entailment"),
      List.of(Metric.ACCURACY),
      new Layout(List.of("index", "sentence1", "sentence2", "label"), 4, 0, 1, 2, 3),
      new Layout(List.of("index", "sentence1", "sentence2"), 3, 0, 1, 2, -1));

  /** MNLI's dev set has five annotator labels before {@code gold_label}. */
  static final Layout MNLI_DEV =
      new Layout(
          List.of(
              "index",
              "promptID",
              "pairID",
              "genre",
              "sentence1_binary_parse",
              "sentence2_binary_parse",
              "sentence1_parse",
              "sentence2_parse",
              "sentence1",
              "sentence2",
              "label1",
              "label2",
              "label3",
              "label4",
              "label5",
              "gold_label"),
          16,
          0,
          8,
          9,
          15);

  /**
   * One file layout.
   *
   * @param header the exact header line's columns, or null if the file has none
   * @param columns tab-separated columns on every line
   * @param id column of the sample's index/id, or -1 (then the 0-based data row is used)
   * @param text column of the (first) text
   * @param pair column of the second text, or -1
   * @param label column of the label (or score), or -1 for unlabelled test files
   */
  record Layout(List<String> header, int columns, int id, int text, int pair, int label) {
    String columnName(int c) {
      return header != null
          ? header.get(c)
          : c == text ? "sentence" : c == label ? "label" : c == 0 ? "source" : "original label";
    }
  }

  private final String id;
  private final String glueName;
  private final Task task;
  private final Layout labelled;
  private final Layout test;

  GlueTask(
      String id,
      String glueName,
      TaskKind kind,
      List<String> labels,
      List<String> labelNames,
      List<Metric> metrics,
      Layout labelled,
      Layout test) {
    this.id = id;
    this.glueName = glueName;
    this.task =
        new Task(
            id,
            kind,
            labels,
            labelNames,
            metrics,
            "itself (official GLUE " + glueName + " files)",
            "GLUE " + glueName + " TSV files supplied by the user");
    this.labelled = labelled;
    this.test = test;
  }

  /** Registry name: {@code cola}, {@code sst2}, {@code mrpc}, {@code stsb}, ... */
  public String id() {
    return id;
  }

  /** GLUE's spelling: {@code CoLA}, {@code SST-2}, ... */
  public String glueName() {
    return glueName;
  }

  /** Kind, labels and metrics (GLUE's: MCC for CoLA, F1 and accuracy for MRPC and QQP, ...). */
  public Task task() {
    return task;
  }

  /** The layout of a labelled file ({@code train.tsv}, {@code dev*.tsv}). */
  Layout labelled(String fileName) {
    return this == MNLI && fileName.startsWith("dev") ? MNLI_DEV : labelled;
  }

  /** The layout of a test file ({@code test*.tsv}, no labels). */
  Layout test() {
    return test;
  }

  /** The task with registry name {@code id} ({@code cola}, ...). */
  public static GlueTask of(String id) {
    for (GlueTask t : values()) {
      if (t.id.equals(id)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown GLUE task '" + id + "'");
  }
}
