package org.ppruning.stream;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * When a streaming service saves its state: after {@code everyRecords} records, or once {@code
 * interval} has passed with at least one unsaved record (so an idle stream writes nothing). Saving
 * at other moments (after a version, on revocation, at shutdown) is the caller's; each save calls
 * {@link #saved}. Not thread-safe: one poll loop owns it.
 */
public final class CheckpointSchedule {
  private final int everyRecords;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private int unsaved;
  private long savedAt;

  /**
   * @param everyRecords save after this many records, >= 1
   * @param interval or after this long with unsaved records, > 0
   * @param nanoTime the clock ({@code System::nanoTime}; a fake one in tests)
   */
  public CheckpointSchedule(int everyRecords, Duration interval, LongSupplier nanoTime) {
    if (everyRecords < 1) {
      throw new IllegalArgumentException(
          "checkpoint every-summaries must be >= 1, got " + everyRecords);
    }
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("checkpoint interval must be > 0, got " + interval);
    }
    this.everyRecords = everyRecords;
    this.intervalNanos = interval.toNanos();
    this.nanoTime = nanoTime;
    this.savedAt = nanoTime.getAsLong();
  }

  /** One more record is in the state but not saved yet. */
  public void recorded() {
    unsaved++;
  }

  /** Records in the state since the last save. */
  public int unsaved() {
    return unsaved;
  }

  /** Whether to save now. */
  public boolean due() {
    return unsaved > 0
        && (unsaved >= everyRecords || nanoTime.getAsLong() - savedAt >= intervalNanos);
  }

  /** The state was saved: count and clock start again. */
  public void saved() {
    unsaved = 0;
    savedAt = nanoTime.getAsLong();
  }
}
