package org.ppruning.stream;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * Which offsets of a partitioned log are safe to commit when records finish out of order: the
 * committable offset of a partition is its oldest unfinished record (or one past the newest seen
 * record when none is unfinished), so a crash never skips a record that was still in work.
 * Partitions are plain ints, so this holds no Kafka types. Each {@link #forget} starts a new epoch
 * of the partition: a job of an older epoch (read before a revocation, finished after the record
 * was read again) releases nothing with {@link #release(int, long, long)}, so it cannot uncover the
 * newer copy still in work. Thread-safe.
 */
public final class CommitTracker {
  private final Map<Integer, TreeSet<Long>> open = new HashMap<>();
  private final Map<Integer, Long> nextSeen = new HashMap<>();
  private final Map<Integer, Long> epochs = new HashMap<>();

  /**
   * A record at {@code offset} was received and is now in work.
   *
   * @return the partition's epoch, for {@link #release(int, long, long)}
   */
  public synchronized long started(int partition, long offset) {
    open.computeIfAbsent(partition, p -> new TreeSet<>()).add(offset);
    nextSeen.merge(partition, offset + 1, Math::max);
    return epochs.getOrDefault(partition, 0L);
  }

  /** The record at {@code offset} is done (processed, skipped, or superseded). */
  public synchronized void finished(int partition, long offset) {
    TreeSet<Long> s = open.get(partition);
    if (s == null || !s.remove(offset)) {
      throw new IllegalStateException(
          "offset " + offset + " of partition " + partition + " was not in work");
    }
  }

  /**
   * Like {@link #finished}, for a record whose partition may have been {@link #forget forgotten}
   * while it was in work (revoked, then read again by the next consumer): nothing to do then.
   *
   * @return whether the record was in work
   */
  public synchronized boolean release(int partition, long offset) {
    TreeSet<Long> s = open.get(partition);
    return s != null && s.remove(offset);
  }

  /**
   * Like {@link #release(int, long)}, for a record started in {@code epoch}: nothing to do if the
   * partition was forgotten since (the record may be in work again as a newer copy).
   *
   * @return whether the record was released
   */
  public synchronized boolean release(int partition, long offset, long epoch) {
    return epochs.getOrDefault(partition, 0L) == epoch && release(partition, offset);
  }

  /** The offset to commit for {@code partition} (Kafka's "next record to read"), if any. */
  public synchronized OptionalLong committable(int partition) {
    Long next = nextSeen.get(partition);
    if (next == null) {
      return OptionalLong.empty();
    }
    TreeSet<Long> s = open.get(partition);
    return OptionalLong.of(s == null || s.isEmpty() ? next : s.first());
  }

  /** Forgets a partition (after it was revoked from this consumer). */
  public synchronized void forget(int partition) {
    open.remove(partition);
    nextSeen.remove(partition);
    epochs.merge(partition, 1L, Long::sum);
  }
}
