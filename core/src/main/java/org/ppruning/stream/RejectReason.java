package org.ppruning.stream;

/**
 * Why a {@link Topics#SAMPLES} record was not profiled. The name is the dead-letter record's {@code
 * ppruning.reason} header and the {@code reason} tag of the rejected-records metric.
 */
public enum RejectReason {
  /** The value is over the configured record size limit (checked before anything else). */
  TOO_LARGE,
  /** The key or the value is not valid UTF-8. */
  INVALID_UTF8,
  /**
   * The value is not one JSON object (syntax error, trailing data, duplicate field, not an object).
   */
  MALFORMED_JSON,
  /** A field this format does not have (a typo would otherwise be ignored silently). */
  UNKNOWN_FIELD,
  /** A field has the wrong JSON type, or {@code text_pair} is empty. */
  BAD_FIELD,
  /** {@code label} is neither a string nor an integer. */
  BAD_LABEL,
  /** No task: neither a {@code task} field nor a record key. */
  MISSING_TASK,
  /** The task is not one this profiler serves. */
  UNKNOWN_TASK,
  /** The record key and the {@code task} field name different tasks. */
  TASK_KEY_MISMATCH,
  /** No {@code id}, or an empty one. */
  MISSING_ID,
  /** No {@code text} field (or null). */
  MISSING_TEXT,
  /** {@code text} is empty or only white space. */
  EMPTY_TEXT,
  /** The text has no tokens besides the special ones (e.g. only control characters). */
  NO_TOKENS,
  /** More tokens than the model's positions, with the too-long policy {@code reject}. */
  TOO_LONG,
  /** The id appeared earlier in the same batch of the same task (the first one is profiled). */
  DUPLICATE_ID,
  /** The model refused the batch (the message says why); the whole task batch is rejected. */
  PROFILE_FAILED
}
