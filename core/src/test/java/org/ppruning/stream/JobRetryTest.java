package org.ppruning.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The fine-tune job policy: bad models are skipped at once, transient failures retried. */
class JobRetryTest {
  final JobRetry policy = new JobRetry(3, Duration.ofSeconds(10), Duration.ofSeconds(30));

  @Test
  void badModelsAreSkippedAtTheFirstFailure() {
    JobRetry.Decision nan =
        policy.after(1, new JobRetry.BadModel("fine-tuning x failed: loss became NaN", null));
    assertFalse(nan.retry());
    assertEquals(JobRetry.Kind.BAD_MODEL, nan.kind());
    assertEquals(Duration.ZERO, nan.delay());
    assertEquals("bad model: fine-tuning x failed: loss became NaN", nan.reason());

    // An invalid spec or a shape mismatch (IllegalArgumentException), also wrapped.
    assertEquals(
        JobRetry.Kind.BAD_MODEL,
        JobRetry.classify(new IllegalArgumentException("weight w has shape [2], expected [3]")));
    assertEquals(
        JobRetry.Kind.BAD_MODEL,
        JobRetry.classify(
            new IllegalStateException(
                "job", new IOException("x", new IllegalArgumentException()))));
  }

  @Test
  void transientFailuresAreRetriedWithDoublingWaitsThenGivenUp() {
    Exception disk = new IOException("No space left on device");
    JobRetry.Decision first = policy.after(1, disk);
    assertTrue(first.retry());
    assertEquals(JobRetry.Kind.TRANSIENT, first.kind());
    assertEquals(Duration.ofSeconds(10), first.delay());
    assertEquals(
        "attempt 1 of 3 failed, retrying in PT10S: No space left on device", first.reason());

    JobRetry.Decision second = policy.after(2, new UncheckedIOException(new IOException("eio")));
    assertTrue(second.retry());
    assertEquals(Duration.ofSeconds(20), second.delay());

    JobRetry.Decision last = policy.after(3, new TimeoutException("broker"));
    assertFalse(last.retry());
    assertEquals(JobRetry.Kind.TRANSIENT, last.kind());
    assertEquals("gave up after 3 attempts: broker", last.reason());
  }

  @Test
  void waitsAreCappedAndSettingsChecked() {
    assertEquals(Duration.ofSeconds(30), policy.delay(3));
    assertEquals(Duration.ofSeconds(30), policy.delay(60));
    assertFalse(new JobRetry(1, Duration.ZERO, Duration.ZERO).after(1, new IOException()).retry());
    assertEquals(
        "job attempts must be >= 1, got 0",
        assertThrows(
                IllegalArgumentException.class, () -> new JobRetry(0, Duration.ZERO, Duration.ZERO))
            .getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> new JobRetry(2, Duration.ofSeconds(5), Duration.ofSeconds(1)));
  }
}
