package org.ppruning.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RestartLoopTest {

  @Test
  void aFailedRunIsStartedAgainAndCounted() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    AtomicInteger restarts = new AtomicInteger();
    CountDownLatch third = new CountDownLatch(1);
    RestartLoop loop =
        new RestartLoop(
            "test-loop",
            Duration.ofMillis(10),
            l -> {
              if (attempts.incrementAndGet() < 3) {
                throw new IllegalStateException("broker gone " + attempts.get());
              }
              l.running();
              third.countDown();
              while (!l.stopping()) {
                Thread.sleep(5);
              }
            },
            restarts::incrementAndGet);
    loop.start();
    assertTrue(third.await(10, TimeUnit.SECONDS));
    assertEquals(RestartLoop.Phase.RUNNING, loop.phase());
    assertEquals(null, loop.problem());
    assertEquals(2, restarts.get());
    loop.stop(Duration.ofSeconds(10));
    assertEquals(RestartLoop.Phase.STOPPED, loop.phase());
  }

  @Test
  void aFatalFailureEndsTheLoopWithItsMessage() throws Exception {
    AtomicInteger restarts = new AtomicInteger();
    RestartLoop loop =
        new RestartLoop(
            "test-loop",
            Duration.ofMillis(10),
            l -> {
              throw new RestartLoop.Fatal("model x does not load", null);
            },
            restarts::incrementAndGet);
    loop.start();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (loop.phase() != RestartLoop.Phase.FAILED && System.nanoTime() < end) {
      Thread.sleep(5);
    }
    assertEquals(RestartLoop.Phase.FAILED, loop.phase());
    assertEquals("model x does not load", loop.problem());
    assertEquals(0, restarts.get());
  }

  @Test
  void stopCutsALongBackOffShort() throws Exception {
    CountDownLatch failed = new CountDownLatch(1);
    RestartLoop loop =
        new RestartLoop(
            "test-loop",
            Duration.ofHours(1),
            l -> {
              throw new IllegalStateException("down");
            },
            failed::countDown);
    loop.start();
    assertTrue(failed.await(10, TimeUnit.SECONDS));
    while (loop.phase() != RestartLoop.Phase.RESTARTING) {
      Thread.sleep(5);
    }
    long t0 = System.nanoTime();
    loop.stop(Duration.ofSeconds(10));
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
    assertEquals(RestartLoop.Phase.STOPPED, loop.phase());
  }
}
