package org.ppruning.stream;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.ppruning.stream.PrunerCheckpoint.Partition;
import org.ppruning.summary.proto.ActivationSummary;

/**
 * The pruner's poll loop without its transport: what to do with the records a poll returned. It
 * merges them into the {@link PrunerEngine} in order; when a task becomes due it pauses the input
 * and re-clusters on the {@code pruning} executor (so the transport keeps polling and stays in its
 * group), and merges nothing more until that job is collected: its event published, the checkpoint
 * written, the input resumed. The checkpoint is also written by a {@link CheckpointSchedule}, on
 * revocation and at the end.
 *
 * <p>The engine, a running job and an event not published yet survive a restart of the transport
 * ({@link #restarted}); records read but not merged are dropped, as the new transport reads again
 * from {@link #positions}. One thread calls every method.
 */
public final class PrunerLoop {

  /** One summary record as read: its key, bytes, and where it was read. */
  public record Input(String key, byte[] value, Partition from, long offset) {}

  /** What the loop asks of its transport. */
  public interface Transport {
    /** Stops reading every assigned partition (a re-clustering runs). */
    void pause();

    /** Reads the assigned partitions again. */
    void resume();

    /** Sends one model event, key = its task, and waits until it is acknowledged. */
    void publish(String task, byte[] event) throws Exception;

    /** Commits these next offsets (of the partitions it holds) for lag monitoring only. */
    void commit(Map<Partition, Long> next);
  }

  /** What the loop reports, for metrics and logs. */
  public interface Observer {
    /** A record was merged (or rejected by the engine, see {@link PrunerEngine.Outcome}). */
    void merged(PrunerEngine.Accepted a, Partition from, long offset);

    /** A record was not merged: {@code reason} as in the rejected metric, detail names it. */
    void rejected(String reason, String detail);

    /** A re-clustering finished. */
    void pruned(PrunerEngine.Pruned p);

    /** A re-clustering failed; it waits for the next every-samples. */
    void pruneFailed(Throwable cause);
  }

  private final PrunerEngine engine;
  private final Path file;
  private final CheckpointSchedule schedule;
  private final ExecutorService pruning;
  private final Observer observer;
  private final ArrayDeque<Input> pending = new ArrayDeque<>();
  private Future<PrunerEngine.Pruned> job;
  private ModelEvent unpublished;

  /**
   * @param engine the engine, already restored from {@code file}
   * @param file where its checkpoint is written
   * @param schedule when to write it besides versions, revocations and the end
   * @param pruning runs the re-clusterings, one at a time
   */
  public PrunerLoop(
      PrunerEngine engine,
      Path file,
      CheckpointSchedule schedule,
      ExecutorService pruning,
      Observer observer) {
    this.engine = engine;
    this.file = file;
    this.schedule = schedule;
    this.pruning = pruning;
    this.observer = observer;
  }

  public PrunerEngine engine() {
    return engine;
  }

  /** A new transport starts: records read by the old one are read again. */
  public void restarted() {
    pending.clear();
  }

  /** Where to start reading each partition: the next offset the state covers (absent: none). */
  public Map<Partition, Long> positions() {
    return engine.offsets();
  }

  /** True while a re-clustering runs or its event waits to be sent: the input stays paused. */
  public boolean busy() {
    return job != null || unpublished != null;
  }

  /** Records of one poll, merged by the next {@link #step}. */
  public void received(Iterable<Input> records) {
    records.forEach(pending::add);
  }

  /** Collects a finished job, merges pending records until one starts, checkpoints if due. */
  public void step(Transport t) throws Exception {
    collect(t, false);
    while (!busy() && !pending.isEmpty()) {
      String task = merge(pending.poll());
      schedule.recorded();
      if (task != null && engine.due(task)) {
        t.pause();
        job = pruning.submit(() -> engine.prune(task));
      }
    }
    if (!busy() && schedule.due()) {
      checkpoint(t);
    }
  }

  /** The end of a run: waits for the job, publishes its event, writes the checkpoint. */
  public void finish(Transport t) throws Exception {
    collect(t, true);
    checkpoint(t);
  }

  /**
   * Partitions were taken away: their records not merged yet are left to their next reader, and the
   * state is saved unless a job runs (its collection saves it).
   */
  public void revoked(Collection<Partition> parts, Transport t) throws IOException {
    pending.removeIf(r -> parts.contains(r.from()));
    if (!busy()) {
      checkpoint(t);
    }
  }

  /**
   * Writes the checkpoint file when the transport is gone (a stop between restarts): only if
   * records were merged since the last one and no job runs.
   */
  public void saveIfIdle() throws IOException {
    if (schedule.unsaved() > 0 && (job == null || job.isDone())) {
      engine.checkpoint().write(file);
      schedule.saved();
    }
  }

  /** Writes the checkpoint, then commits the offsets it covers. */
  public void checkpoint(Transport t) throws IOException {
    engine.checkpoint().write(file);
    schedule.saved();
    t.commit(engine.offsets());
  }

  /** Merges one record; returns its task if it was merged. */
  private String merge(Input r) {
    String at = r.from() + "@" + r.offset();
    ActivationSummary s;
    try {
      s = ActivationSummary.parseFrom(r.value());
    } catch (InvalidProtocolBufferException | NullPointerException e) {
      engine.skip(r.from(), r.offset());
      observer.rejected("unreadable", at + " is not an ActivationSummary: " + e);
      return null;
    }
    PrunerEngine.Accepted a;
    try {
      a = engine.accept(r.key(), s, r.from(), r.offset());
    } catch (IOException e) { // the task's own base model does not load
      observer.rejected(
          "base-model", at + " of task '" + s.getConfig().getTask() + "': " + e.getMessage());
      return null;
    }
    observer.merged(a, r.from(), r.offset());
    if (a.outcome() == PrunerEngine.Outcome.REJECTED) {
      observer.rejected(a.reason(), at + ": " + a.detail());
      return null;
    }
    return a.task();
  }

  /**
   * Collects the job if it is done (or waits for it): its event is published (kept for the next
   * attempt if sending fails), the checkpoint written and the input resumed.
   */
  private void collect(Transport t, boolean wait) throws Exception {
    if (job != null && (wait || job.isDone())) {
      Future<PrunerEngine.Pruned> f = job;
      job = null;
      try {
        PrunerEngine.Pruned p = f.get();
        observer.pruned(p);
        unpublished = p.event();
      } catch (ExecutionException e) {
        // The engine moved prunedAt: a failed re-clustering waits for the next every-samples.
        observer.pruneFailed(e.getCause());
      }
    } else if (job != null || unpublished == null) {
      return; // still running, or nothing to collect
    }
    if (unpublished != null) {
      t.publish(unpublished.task(), unpublished.toJson());
      engine.published(unpublished.task(), unpublished.version());
      unpublished = null;
    }
    checkpoint(t);
    t.resume();
  }
}
