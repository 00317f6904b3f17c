package org.ppruning.serve;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * At most {@code running} model calls at a time, at most {@code queued} more waiting for one, each
 * waiting no longer than its deadline or {@code maxWait}. A request beyond the queue, or one that
 * waited {@code maxWait}, is RESOURCE_EXHAUSTED naming the key to raise; one whose deadline passed
 * before it could run is DEADLINE_EXCEEDED and never runs.
 */
public final class ConcurrencyGate {
  private final int running;
  private final int queued;
  private final long maxWaitNanos;
  private final String runningKey;
  private final String queuedKey;
  private final String waitKey;
  private final Semaphore permits;
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicLong refusedBusy = new AtomicLong();
  private final AtomicLong refusedDeadline = new AtomicLong();

  /**
   * @param running model calls at a time (>= 1)
   * @param queued requests that may wait for one (>= 0)
   * @param maxWaitNanos the longest a request waits without an earlier deadline (>= 0)
   * @param keyPrefix configuration prefix of the keys {@code max-concurrent}, {@code max-queued},
   *     {@code max-queue-wait}, for the messages
   */
  public ConcurrencyGate(int running, int queued, long maxWaitNanos, String keyPrefix) {
    this.runningKey = keyPrefix + "max-concurrent";
    this.queuedKey = keyPrefix + "max-queued";
    this.waitKey = keyPrefix + "max-queue-wait";
    if (running < 1) {
      throw new IllegalArgumentException(runningKey + " must be >= 1, got " + running);
    }
    if (queued < 0) {
      throw new IllegalArgumentException(queuedKey + " must be >= 0, got " + queued);
    }
    if (maxWaitNanos < 0) {
      throw new IllegalArgumentException(waitKey + " must be >= 0, got " + maxWaitNanos + " ns");
    }
    this.running = running;
    this.queued = queued;
    this.maxWaitNanos = maxWaitNanos;
    this.permits = new Semaphore(running, true);
  }

  /** A held place among the running calls; closing it lets the next request in. */
  public interface Permit extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Waits for a place.
   *
   * @param deadlineNanos the client's time left in nanoseconds ({@code Long.MAX_VALUE}: none); 0 or
   *     less has passed already
   * @throws ServingException DEADLINE_EXCEEDED if the deadline passed before a place was free;
   *     RESOURCE_EXHAUSTED if the queue is full or the wait reached {@code max-queue-wait}
   */
  public Permit enter(long deadlineNanos) {
    long start = System.nanoTime();
    if (deadlineNanos <= 0) {
      throw deadline("before it could run");
    }
    if (!permits.tryAcquire()) {
      if (waiting.incrementAndGet() > queued) {
        waiting.decrementAndGet();
        refusedBusy.incrementAndGet();
        throw new ServingException(
            ServingException.Code.RESOURCE_EXHAUSTED,
            "server busy: "
                + running
                + " model calls running ("
                + runningKey
                + ") and "
                + queued
                + " waiting ("
                + queuedKey
                + "); try again later");
      }
      boolean got;
      try {
        got = permits.tryAcquire(Math.min(deadlineNanos, maxWaitNanos), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw deadline("while it waited (interrupted)");
      } finally {
        waiting.decrementAndGet();
      }
      if (!got) {
        if (deadlineNanos <= maxWaitNanos) {
          throw deadline("while it waited for one of " + running + " model calls");
        }
        refusedBusy.incrementAndGet();
        throw new ServingException(
            ServingException.Code.RESOURCE_EXHAUSTED,
            "server busy: waited "
                + TimeUnit.NANOSECONDS.toMillis(maxWaitNanos)
                + " ms ("
                + waitKey
                + ") for one of "
                + running
                + " model calls ("
                + runningKey
                + "); try again later");
      }
    }
    if (System.nanoTime() - start >= deadlineNanos) {
      permits.release();
      throw deadline("while it waited for one of " + running + " model calls");
    }
    return permits::release;
  }

  private ServingException deadline(String when) {
    refusedDeadline.incrementAndGet();
    return new ServingException(
        ServingException.Code.DEADLINE_EXCEEDED,
        "the client's deadline passed " + when + "; the request was not run");
  }

  /** Model calls allowed at a time. */
  public int maxRunning() {
    return running;
  }

  /** Requests allowed to wait. */
  public int maxQueued() {
    return queued;
  }

  /** Model calls running now. */
  public int running() {
    return running - permits.availablePermits();
  }

  /** Requests waiting now. */
  public int waiting() {
    return waiting.get();
  }

  /** Requests refused so far because the server was busy. */
  public long refusedBusy() {
    return refusedBusy.get();
  }

  /** Requests not run so far because their deadline passed. */
  public long refusedDeadline() {
    return refusedDeadline.get();
  }
}
