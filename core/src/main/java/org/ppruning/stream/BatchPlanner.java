package org.ppruning.stream;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.LongSupplier;

/**
 * The profiler's batch protocol without Kafka: which records of a partition form the next atomic
 * batch, the commit plan that lets a successor re-form it, and when a partition's backlog pauses
 * its fetching. One topic; partitions are plain ints. Not thread safe (the consumer's thread).
 *
 * <p>A batch is the next {@code batchSize} records of a partition, or fewer once {@code linger} has
 * passed since the first of them arrived. Before anything of it is sent, its start offset is
 * committed with its end in the metadata ({@value #PLAN_PREFIX}N); after its acks, its end is
 * committed, carrying the next batch's plan when that batch is already due. A consumer that finds a
 * plan when it is assigned the partition re-forms exactly that batch, whatever its own batch size,
 * so a redelivery carries the same sample ids (see docs/streaming.md).
 */
public final class BatchPlanner {
  /** Commit metadata of a started batch: this prefix and the batch's end offset. */
  public static final String PLAN_PREFIX = "ppruning-profiler batch-end=";

  /** A partition with this many batches of records waiting is paused. */
  public static final int PAUSE_BATCHES = 4;

  /** A fetched record: plain data ({@code key}, {@code value} may be null). */
  public record Polled(
      int partition,
      long offset,
      byte[] key,
      byte[] value,
      long timestamp,
      List<Header> headers,
      long arrivedNanos) {}

  /** A record header, kept for the dead-letter copy. */
  public record Header(String key, byte[] value) {}

  /** A committed offset and its metadata ("" when none). */
  public record Committed(long offset, String metadata) {}

  /** A batch [start, end) that was started and not committed, found at assignment. */
  public record Plan(long start, long end) {}

  /**
   * The next records of a partition, offsets [start, end).
   *
   * @param replayed re-formed from a commit plan found at assignment
   * @param formedNanos when it was formed (the batch latency starts here)
   */
  public record Batch(int partition, List<Polled> records, boolean replayed, long formedNanos) {
    public long start() {
      return records.get(0).offset();
    }

    public long end() {
      return records.get(records.size() - 1).offset() + 1;
    }
  }

  /** What the planner needs from the consumer. */
  public interface Source {
    /** The offset of the next record the consumer fetches from {@code partition}. */
    long position(int partition);

    /** Records after {@link #position} not fetched yet; empty while not known. */
    OptionalLong lag(int partition);

    /** The committed offsets of {@code partitions} (a partition never committed is absent). */
    Map<Integer, Committed> committed(Set<Integer> partitions);

    /** The partitions assigned to the consumer now. */
    Set<Integer> assignment();

    void pause(Collection<Integer> partitions);

    void resume(Collection<Integer> partitions);

    /** Commits {@code offset} of {@code partition} with {@code metadata}, synchronously. */
    void commit(int partition, long offset, String metadata);
  }

  /** What happens to a batch; {@link BatchPlanner#drain} calls it in the protocol's order. */
  public interface Worker<P> {
    /** True when the loop is ending: no further batch is formed. */
    boolean stopping();

    /** Validates and profiles a batch: computation only, nothing leaves the process. */
    P prepare(Batch batch);

    /** Sends a prepared batch; the returned acks are awaited before its end is committed. */
    Acks publish(P prepared);

    /** The batch's end is committed. */
    void committed(Batch batch, P prepared);
  }

  /** The acknowledgements of a batch's sends. */
  @FunctionalInterface
  public interface Acks {
    /** Waits for every ack; throws if a send failed (nothing is committed then). */
    void await() throws InterruptedException, ExecutionException;
  }

  private final int batchSize;
  private final long lingerNanos;
  private final Source source;
  private final LongSupplier clock;
  private final Map<Integer, ArrayDeque<Polled>> pending = new HashMap<>();
  private final Map<Integer, Long> plans = new HashMap<>(); // batch ends found at assignment
  private final Map<Integer, Long> committed = new HashMap<>();
  private final Set<Integer> paused = new HashSet<>();

  /**
   * @param batchSize records per batch, > 0
   * @param linger how long a partial batch waits after its first record arrived, >= 0
   * @param clock nanoseconds, as {@link System#nanoTime} (the records' arrival clock)
   */
  public BatchPlanner(int batchSize, Duration linger, Source source, LongSupplier clock) {
    checkSettings(batchSize, linger);
    this.batchSize = batchSize;
    this.lingerNanos = linger.toNanos();
    this.source = source;
    this.clock = clock;
  }

  /** Refuses a batch size below one or a negative linger, naming both settings. */
  public static void checkSettings(int batchSize, Duration linger) {
    if (batchSize <= 0 || linger.isNegative()) {
      throw new IllegalArgumentException(
          "batch-size must be > 0 (got " + batchSize + ") and linger >= 0 (got " + linger + ")");
    }
  }

  /** The commit metadata of a batch that ends at {@code end}. */
  public static String plan(long end) {
    return PLAN_PREFIX + end;
  }

  /** A fetched record, in offset order per partition. */
  public void add(Polled record) {
    pending.computeIfAbsent(record.partition(), k -> new ArrayDeque<>()).add(record);
  }

  /** Records fetched and not yet sent in a batch, of {@code partition}. */
  public int pending(int partition) {
    ArrayDeque<Polled> q = pending.get(partition);
    return q == null ? 0 : q.size();
  }

  /** The planned end of {@code partition}'s next batch, if a plan was found at assignment. */
  public OptionalLong planned(int partition) {
    Long end = plans.get(partition);
    return end == null ? OptionalLong.empty() : OptionalLong.of(end);
  }

  /** The next batch of {@code partition} if one is due, else null; removes nothing. */
  public Batch next(int partition) {
    ArrayDeque<Polled> q = pending.get(partition);
    if (q == null || q.isEmpty()) {
      return null;
    }
    Long plan = plans.get(partition);
    List<Polled> batch = new ArrayList<>();
    if (plan != null) {
      // All records below the planned end have been fetched once the position passed it.
      if (source.position(partition) < plan) {
        return null;
      }
      for (Polled p : q) {
        if (p.offset() >= plan) {
          break;
        }
        batch.add(p);
      }
      if (batch.isEmpty()) { // the plan's records are gone (deleted by retention)
        plans.remove(partition);
        return next(partition);
      }
      return new Batch(partition, batch, true, clock.getAsLong());
    }
    long now = clock.getAsLong();
    if (q.size() < batchSize && now - q.peekFirst().arrivedNanos() < lingerNanos) {
      return null;
    }
    for (Polled p : q) {
      if (batch.size() == batchSize) {
        break;
      }
      batch.add(p);
    }
    return new Batch(partition, batch, false, now);
  }

  /** Drains every partition with records waiting ({@link #drain}). */
  public <P> void drainAll(Worker<P> worker) throws InterruptedException, ExecutionException {
    for (int partition : new ArrayList<>(pending.keySet())) {
      drain(partition, worker);
    }
  }

  /**
   * Sends the due batches of {@code partition}, one after another, overlapping each batch's
   * profiling with the previous batch's acks: batch N is sent, N+1 is prepared (nothing sent), N's
   * acks are awaited and its end committed with N+1's plan, and only then is N+1 sent. So every
   * record goes out after its batch's plan is committed, and every offset is committed after its
   * batch's acks. A failure throws with nothing of the batch in hand committed.
   */
  public <P> void drain(int partition, Worker<P> worker)
      throws InterruptedException, ExecutionException {
    Batch batch = worker.stopping() ? null : next(partition);
    if (batch == null) {
      return;
    }
    if (!batch.replayed()) {
      source.commit(partition, batch.start(), plan(batch.end()));
    }
    P current = worker.prepare(batch);
    while (current != null) {
      Acks acks = worker.publish(current);
      // The batch is out: the next one is formed from the records after it.
      plans.remove(partition);
      ArrayDeque<Polled> q = pending.get(partition);
      while (!q.isEmpty() && q.peekFirst().offset() < batch.end()) {
        q.pollFirst();
      }
      Batch following = worker.stopping() ? null : next(partition);
      P prepared = following == null ? null : worker.prepare(following);
      acks.await();
      source.commit(partition, batch.end(), following == null ? "" : plan(following.end()));
      committed.put(partition, batch.end());
      worker.committed(batch, current);
      batch = following;
      current = prepared;
    }
  }

  /**
   * Pauses partitions whose backlog is {@value #PAUSE_BATCHES} batches deep, resumes drained ones.
   */
  public void flowControl() {
    List<Integer> pause = new ArrayList<>();
    List<Integer> resume = new ArrayList<>();
    for (var e : pending.entrySet()) {
      // A planned batch is never paused: it may be larger than today's batch size.
      boolean full =
          e.getValue().size() >= PAUSE_BATCHES * batchSize && !plans.containsKey(e.getKey());
      if (full && paused.add(e.getKey())) {
        pause.add(e.getKey());
      } else if (!full && paused.remove(e.getKey())) {
        resume.add(e.getKey());
      }
    }
    Set<Integer> assigned = source.assignment();
    pause.retainAll(assigned);
    resume.retainAll(assigned);
    if (!pause.isEmpty()) {
      source.pause(pause);
    }
    if (!resume.isEmpty()) {
      source.resume(resume);
    }
  }

  /** Records of the assigned partitions not committed yet, fetched or not. */
  public long lag() {
    long total = 0;
    for (int partition : source.assignment()) {
      OptionalLong behind = source.lag(partition);
      if (behind.isEmpty()) {
        continue;
      }
      long position = source.position(partition);
      long done = committed.getOrDefault(partition, position);
      total += behind.getAsLong() + (position - done);
    }
    return total;
  }

  /**
   * Partitions assigned to this consumer: reads their committed offsets and the plans of batches
   * started and not committed.
   *
   * @return the plans found, by partition
   */
  public Map<Integer, Plan> assigned(Collection<Integer> partitions) {
    Map<Integer, Plan> found = new HashMap<>();
    if (partitions.isEmpty()) {
      return found;
    }
    for (var e : source.committed(new HashSet<>(partitions)).entrySet()) {
      Committed m = e.getValue();
      committed.put(e.getKey(), m.offset());
      String meta = m.metadata();
      if (meta != null && meta.startsWith(PLAN_PREFIX)) {
        long end = Long.parseLong(meta.substring(PLAN_PREFIX.length()));
        if (end > m.offset()) {
          plans.put(e.getKey(), end);
          found.put(e.getKey(), new Plan(m.offset(), end));
        }
      }
    }
    return found;
  }

  /** Partitions revoked or lost: their records, plans and state are forgotten. */
  public void forget(Collection<Integer> partitions) {
    for (int partition : partitions) {
      pending.remove(partition);
      plans.remove(partition);
      committed.remove(partition);
      paused.remove(partition);
    }
  }
}
