package org.ppruning.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WorkQueueTest {
  @Test
  void aNewerItemSupersedesTheWaitingOneAndKeysKeepTheirTurn() throws InterruptedException {
    LatestPerKey<String, Integer> q = new LatestPerKey<>();
    assertEquals(Optional.empty(), q.offer("a", 1));
    q.offer("b", 10);
    assertEquals(Optional.of(1), q.offer("a", 2));
    assertEquals(2, q.size());
    // "a" was superseded, so it waits behind "b" now.
    assertEquals(Map.entry("b", 10), q.poll(1, TimeUnit.MILLISECONDS).orElseThrow());
    assertEquals(Map.entry("a", 2), q.poll(1, TimeUnit.MILLISECONDS).orElseThrow());
    assertTrue(q.poll(5, TimeUnit.MILLISECONDS).isEmpty());
  }

  @Test
  void pollWakesUpWhenAnItemArrives() throws Exception {
    LatestPerKey<String, Integer> q = new LatestPerKey<>();
    Thread t =
        new Thread(
            () -> {
              try {
                Thread.sleep(50);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              q.offer("x", 7);
            });
    t.start();
    assertEquals(7, q.poll(10, TimeUnit.SECONDS).orElseThrow().getValue());
    t.join();
  }

  @Test
  void commitsNeverPassAnUnfinishedRecord() {
    CommitTracker c = new CommitTracker();
    assertEquals(OptionalLong.empty(), c.committable(0));
    c.started(0, 5);
    c.started(0, 6);
    c.started(0, 7);
    assertEquals(OptionalLong.of(5), c.committable(0));
    c.finished(0, 6);
    assertEquals(OptionalLong.of(5), c.committable(0), "5 is still in work");
    c.finished(0, 5);
    assertEquals(OptionalLong.of(7), c.committable(0));
    c.finished(0, 7);
    assertEquals(OptionalLong.of(8), c.committable(0));
    assertThrows(IllegalStateException.class, () -> c.finished(0, 7));
    c.forget(0);
    assertEquals(OptionalLong.empty(), c.committable(0));
  }

  /**
   * A job in work when its partition was revoked ends without an error (its record is read again).
   */
  @Test
  void releaseToleratesAForgottenPartition() {
    CommitTracker c = new CommitTracker();
    c.started(0, 5);
    c.forget(0);
    assertFalse(c.release(0, 5));
    c.started(0, 5); // read again by the next consumer
    assertTrue(c.release(0, 5));
    assertFalse(c.release(0, 5), "a record read twice is released once");
    assertEquals(OptionalLong.of(6), c.committable(0));
  }

  /**
   * A job of an older epoch (read before a revocation) finishing after its record was read again
   * does not uncover the newer copy, which is still in work.
   */
  @Test
  void aReleaseFromBeforeARevocationDoesNotUncoverTheRecordReadAgain() {
    CommitTracker c = new CommitTracker();
    long before = c.started(0, 5);
    c.forget(0); // revoked, then assigned again
    long after = c.started(0, 5); // read again, queued as a new job
    assertTrue(after != before, "a new epoch");
    assertFalse(c.release(0, 5, before), "the old job's release is stale");
    assertEquals(OptionalLong.of(5), c.committable(0), "the copy read again is still in work");
    assertTrue(c.release(0, 5, after));
    assertEquals(OptionalLong.of(6), c.committable(0));
  }
}
