package org.ppruning.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The gate: running and queued bounds, the wait limit and the client's deadline. */
class ConcurrencyGateTest {
  static final long NONE = Long.MAX_VALUE;
  static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  @Test
  void beyondRunningAndQueuedIsResourceExhaustedNamingTheKeys() {
    ConcurrencyGate gate = new ConcurrencyGate(1, 0, SECOND, "k.");
    try (ConcurrencyGate.Permit p = gate.enter(NONE)) {
      assertEquals(1, gate.running());
      ServingException e = assertThrows(ServingException.class, () -> gate.enter(NONE));
      assertEquals(ServingException.Code.RESOURCE_EXHAUSTED, e.code());
      assertEquals(
          "server busy: 1 model calls running (k.max-concurrent) and 0 waiting (k.max-queued);"
              + " try again later",
          e.getMessage());
    }
    assertEquals(0, gate.running());
    gate.enter(NONE).close(); // free again
    assertEquals(1, gate.refusedBusy());
  }

  @Test
  void aQueuedRequestRunsWhenAPlaceIsFree() throws Exception {
    ConcurrencyGate gate = new ConcurrencyGate(1, 1, 10 * SECOND, "k.");
    ConcurrencyGate.Permit first = gate.enter(NONE);
    CountDownLatch entered = new CountDownLatch(1);
    CompletableFuture<Void> queued =
        CompletableFuture.runAsync(
            () -> {
              try (ConcurrencyGate.Permit p = gate.enter(NONE)) {
                entered.countDown();
              }
            });
    while (gate.waiting() == 0) {
      Thread.sleep(5);
    }
    // the queue (1) is full now: a third request is refused at once
    assertThrows(ServingException.class, () -> gate.enter(NONE));
    assertEquals(1, entered.getCount());
    first.close();
    assertTrue(entered.await(5, TimeUnit.SECONDS));
    queued.get(5, TimeUnit.SECONDS);
  }

  @Test
  void aPassedDeadlineNeverRunsAndOneThatPassesWhileQueuedNeither() {
    ConcurrencyGate gate = new ConcurrencyGate(1, 1, 10 * SECOND, "k.");
    ServingException past = assertThrows(ServingException.class, () -> gate.enter(0));
    assertEquals(ServingException.Code.DEADLINE_EXCEEDED, past.code());
    assertEquals(
        "the client's deadline passed before it could run; the request was not run",
        past.getMessage());
    try (ConcurrencyGate.Permit p = gate.enter(NONE)) {
      long start = System.nanoTime();
      ServingException queued =
          assertThrows(
              ServingException.class, () -> gate.enter(TimeUnit.MILLISECONDS.toNanos(200)));
      long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertEquals(ServingException.Code.DEADLINE_EXCEEDED, queued.code());
      assertTrue(waited >= 190 && waited < 5000, waited + " ms");
    }
    assertEquals(2, gate.refusedDeadline());
    assertEquals(0, gate.waiting());
  }

  @Test
  void theQueueWaitIsBoundedWithoutADeadline() {
    ConcurrencyGate gate = new ConcurrencyGate(1, 1, TimeUnit.MILLISECONDS.toNanos(100), "k.");
    try (ConcurrencyGate.Permit p = gate.enter(NONE)) {
      ServingException e = assertThrows(ServingException.class, () -> gate.enter(NONE));
      assertEquals(ServingException.Code.RESOURCE_EXHAUSTED, e.code());
      assertEquals(
          "server busy: waited 100 ms (k.max-queue-wait) for one of 1 model calls"
              + " (k.max-concurrent); try again later",
          e.getMessage());
    }
  }

  @Test
  void badSettingsNameTheirKey() {
    assertEquals(
        "k.max-concurrent must be >= 1, got 0",
        assertThrows(IllegalArgumentException.class, () -> new ConcurrencyGate(0, 0, 0, "k."))
            .getMessage());
  }
}
