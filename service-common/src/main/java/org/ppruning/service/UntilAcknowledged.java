package org.ppruning.service;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.errors.RetriableException;
import org.jboss.logging.Logger;

/**
 * Repeats a Kafka call (a send awaited with {@code get()}) that failed for a reason that passes (a
 * broker outage shows as a {@link RetriableException}: a timeout, no leader, a disconnect), every
 * {@code backoff}, until it is acknowledged: for results that exist already (a version written and
 * served) and whose announcement must not be lost however long the broker is down. A failure that
 * another attempt cannot fix (a record too large, no authorisation) is thrown at once.
 *
 * <pre>
 *   UntilAcknowledged.run("event of sentiment v3", Duration.ofSeconds(5), loop::stopping,
 *       () -> producer.send(record).get());
 * </pre>
 */
public final class UntilAcknowledged {
  private static final Logger LOG = Logger.getLogger(UntilAcknowledged.class);

  /** One attempt. */
  @FunctionalInterface
  public interface Attempt<T> {
    T run() throws Exception;
  }

  private UntilAcknowledged() {}

  /**
   * Runs {@code attempt} until it returns; between two attempts waits {@code backoff}.
   *
   * @param what names the call in log lines and errors
   * @param stopping true when the service stops: then the last failure is thrown
   * @return the attempt's result
   * @throws Exception a failure that is not retriable, or the last one once {@code stopping}
   * @throws InterruptedException if interrupted while waiting
   */
  public static <T> T run(
      String what, Duration backoff, BooleanSupplier stopping, Attempt<T> attempt)
      throws Exception {
    if (backoff.isNegative()) {
      throw new IllegalArgumentException(what + ": back-off must be >= 0, got " + backoff);
    }
    for (int n = 1; ; n++) {
      try {
        T result = attempt.run();
        if (n > 1) {
          LOG.infof("%s acknowledged at attempt %d", what, n);
        }
        return result;
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        Throwable cause =
            e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        if (!(cause instanceof RetriableException) || stopping.getAsBoolean()) {
          throw e;
        }
        LOG.warnf("%s failed (attempt %d), again in %s: %s", what, n, backoff, cause.toString());
      }
      Thread.sleep(backoff.toMillis());
    }
  }
}
