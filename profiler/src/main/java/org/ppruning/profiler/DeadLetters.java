package org.ppruning.profiler;

/**
 * Headers of a dead-letter record ({@code ppruning.samples.dlq}). Its key and value are the
 * rejected record's own bytes; the original headers come first, then these (UTF-8 strings).
 */
public final class DeadLetters {
  /** A {@link org.ppruning.stream.RejectReason} name. */
  public static final String REASON = "ppruning.reason";

  /** What was wrong, naming the field or the sample. */
  public static final String MESSAGE = "ppruning.message";

  public static final String SOURCE_TOPIC = "ppruning.source.topic";
  public static final String SOURCE_PARTITION = "ppruning.source.partition";
  public static final String SOURCE_OFFSET = "ppruning.source.offset";

  /** The rejected record's timestamp, milliseconds since the epoch. */
  public static final String SOURCE_TIMESTAMP = "ppruning.source.timestamp";

  private DeadLetters() {}
}
