package org.ppruning.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class UntilAcknowledgedTest {

  @Test
  void retriableFailuresAreRepeatedUntilTheCallSucceeds() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    String result =
        UntilAcknowledged.run(
            "test send",
            Duration.ofMillis(1),
            () -> false,
            () -> {
              if (attempts.incrementAndGet() <= 3) { // as Future.get() reports a delivery timeout
                throw new ExecutionException(new TimeoutException("broker gone"));
              }
              return "acked";
            });
    assertEquals("acked", result);
    assertEquals(4, attempts.get());
  }

  @Test
  void aFailureAnotherAttemptCannotFixIsThrownAtOnce() {
    AtomicInteger attempts = new AtomicInteger();
    ExecutionException tooLarge = new ExecutionException(new RecordTooLargeException("2 MB"));
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () ->
                UntilAcknowledged.run(
                    "test send",
                    Duration.ofMillis(1),
                    () -> false,
                    () -> {
                      attempts.incrementAndGet();
                      throw tooLarge;
                    }));
    assertSame(tooLarge, e);
    assertEquals(1, attempts.get());
  }

  @Test
  void stoppingEndsTheRetriesWithTheLastFailure() {
    AtomicInteger attempts = new AtomicInteger();
    assertThrows(
        ExecutionException.class,
        () ->
            UntilAcknowledged.run(
                "test send",
                Duration.ofMillis(1),
                () -> attempts.get() >= 2,
                () -> {
                  attempts.incrementAndGet();
                  throw new ExecutionException(new TimeoutException("broker gone"));
                }));
    assertEquals(2, attempts.get());
  }
}
