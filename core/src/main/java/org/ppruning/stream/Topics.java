package org.ppruning.stream;

/** The Kafka topics the services talk over (formats: docs/streaming.md). */
public final class Topics {
  /** Task samples, one JSON object per record, key = task id. */
  public static final String SAMPLES = "ppruning.samples";

  /** Rejected sample records: original bytes, reason and source in the headers. */
  public static final String SAMPLES_DLQ = "ppruning.samples.dlq";

  /** Activation summaries (protobuf {@code ppruning.summary.v1.ActivationSummary}), key = task. */
  public static final String SUMMARIES = "ppruning.summaries";

  /** One {@link ModelEvent} (JSON) per model version written, key = task. */
  public static final String MODELS = "ppruning.models";

  private Topics() {}
}
