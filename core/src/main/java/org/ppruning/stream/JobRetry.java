package org.ppruning.stream;

import java.io.IOException;
import java.time.Duration;

/**
 * What to do after a fine-tune job failed: a model that can never train ({@link BadModel} anywhere
 * in the cause chain, or an {@link IllegalArgumentException}: an invalid spec, misshapen weights, a
 * loss that became NaN) is recorded and skipped at once; any other failure (I/O, a full disk, the
 * broker) is taken as transient and retried up to {@code attempts} times in all, waiting {@code
 * firstDelay}, then twice as long each time up to {@code maxDelay}; after the last attempt it is
 * recorded and skipped too, so one job never stalls the ones behind it.
 *
 * @param attempts how many times a job runs at most (>= 1)
 * @param firstDelay the wait before the second attempt
 * @param maxDelay the longest wait between attempts
 */
public record JobRetry(int attempts, Duration firstDelay, Duration maxDelay) {

  /** The finetuner's policy: 3 attempts, 10 s then 20 s apart (at most 5 min). */
  public static final JobRetry DEFAULT =
      new JobRetry(3, Duration.ofSeconds(10), Duration.ofMinutes(5));

  /** A job that failed because of its model: retrying cannot help. */
  public static final class BadModel extends IOException {
    public BadModel(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** How a failure is taken. */
  public enum Kind {
    /** Worth another attempt (I/O, disk, broker). */
    TRANSIENT,
    /** The model itself is bad: skip the job. */
    BAD_MODEL
  }

  /**
   * What to do next.
   *
   * @param retry whether to run the job again
   * @param delay how long to wait first (zero when not retrying)
   * @param kind how the failure was taken
   * @param reason for the log and the record: the kind, the attempt and the failure's message
   */
  public record Decision(boolean retry, Duration delay, Kind kind, String reason) {}

  public JobRetry {
    if (attempts < 1) {
      throw new IllegalArgumentException("job attempts must be >= 1, got " + attempts);
    }
    if (firstDelay.isNegative() || maxDelay.compareTo(firstDelay) < 0) {
      throw new IllegalArgumentException(
          "retry delays must satisfy 0 <= first <= max, got first "
              + firstDelay
              + ", max "
              + maxDelay);
    }
  }

  /** {@link Kind#BAD_MODEL} if the chain holds a {@link BadModel} or an IAE, else transient. */
  public static Kind classify(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof BadModel || t instanceof IllegalArgumentException) {
        return Kind.BAD_MODEL;
      }
    }
    return Kind.TRANSIENT;
  }

  /** The wait after failed attempt {@code attempt} (1-based): first, doubled each time, capped. */
  public Duration delay(int attempt) {
    Duration d = firstDelay;
    for (int i = 1; i < attempt && d.compareTo(maxDelay) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(maxDelay) > 0 ? maxDelay : d;
  }

  /** What to do after attempt {@code attempt} (1-based) failed with {@code failure}. */
  public Decision after(int attempt, Throwable failure) {
    Kind kind = classify(failure);
    String msg = failure.getMessage() == null ? failure.toString() : failure.getMessage();
    if (kind == Kind.BAD_MODEL) {
      return new Decision(false, Duration.ZERO, kind, "bad model: " + msg);
    }
    if (attempt >= attempts) {
      return new Decision(
          false,
          Duration.ZERO,
          kind,
          "gave up after " + attempt + " attempt" + (attempt == 1 ? "" : "s") + ": " + msg);
    }
    Duration wait = delay(attempt);
    return new Decision(
        true,
        wait,
        kind,
        "attempt " + attempt + " of " + attempts + " failed, retrying in " + wait + ": " + msg);
  }
}
