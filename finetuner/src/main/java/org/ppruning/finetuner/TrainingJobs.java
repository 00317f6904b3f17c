package org.ppruning.finetuner;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jboss.logging.Logger;
import org.ppruning.stream.CommitTracker;
import org.ppruning.stream.FinetunerEngine;
import org.ppruning.stream.JobRetry;
import org.ppruning.stream.LatestPerKey;
import org.ppruning.stream.ModelEvent;
import org.ppruning.stream.VersionCheck;

/**
 * The training side of the finetuner: jobs wait one per task (a newer version supersedes the
 * waiting one) and run one at a time on their own thread through {@link FinetunerEngine}. A job
 * that fails is retried or skipped as {@link JobRetry} decides; a skipped one is logged, counted
 * and kept as {@link #lastSkipped()} (readiness data). A finished job's event is published again
 * and again (with back-off) until the broker takes it. A job's record is released in the {@link
 * CommitTracker} only once it was published, skipped or superseded.
 */
final class TrainingJobs {
  private static final Logger LOG = Logger.getLogger(TrainingJobs.class);

  /** A pruned-version event, where it came from, and the tracker's epoch it was read in. */
  record Job(ModelEvent event, int partition, long offset, long epoch) {}

  private final FinetunerEngine engine;
  private final CommitTracker commits;
  private final JobRetry retry;
  private final MeterRegistry metrics;
  private final LatestPerKey<String, Job> queue = new LatestPerKey<>();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicReference<String> current = new AtomicReference<>("");
  private final AtomicReference<String> lastSkipped = new AtomicReference<>("");
  private final Counter done;
  private final Counter failed;
  private final Counter superseded;
  private final Counter retried;
  private final Counter publishRetries;
  private volatile boolean stopping;
  private Thread worker;

  TrainingJobs(
      FinetunerEngine engine, CommitTracker commits, JobRetry retry, MeterRegistry metrics) {
    this.engine = engine;
    this.commits = commits;
    this.retry = retry;
    this.metrics = metrics;
    metrics.gauge("ppruning.finetuner.jobs.running", running);
    metrics.gauge("ppruning.finetuner.jobs.waiting", queue, LatestPerKey::size);
    done = metrics.counter("ppruning.finetuner.jobs", "outcome", "done");
    failed = metrics.counter("ppruning.finetuner.jobs", "outcome", "failed");
    superseded = metrics.counter("ppruning.finetuner.jobs", "outcome", "superseded");
    retried = metrics.counter("ppruning.finetuner.jobs.retries");
    publishRetries = metrics.counter("ppruning.finetuner.publish.retries");
    metrics.counter("ppruning.finetuner.events.refused", "reason", FinetunerEngine.MALFORMED);
    for (VersionCheck.Reason r : VersionCheck.Reason.values()) { // present from the start
      metrics.counter("ppruning.finetuner.events.refused", "reason", r.label());
    }
    for (JobRetry.Kind k : JobRetry.Kind.values()) {
      metrics.counter("ppruning.finetuner.jobs.skipped", "kind", k.name().toLowerCase());
    }
  }

  /**
   * Reads one record (already started in the tracker, in {@code epoch}): queues its job, or
   * releases it; a refused event is logged once with {@code where} and counted by reason.
   */
  void accept(byte[] value, int partition, long offset, long epoch, String where) {
    FinetunerEngine.Accepted a = engine.accept(value);
    if (a.outcome() != FinetunerEngine.Outcome.JOB) {
      if (a.outcome() == FinetunerEngine.Outcome.REFUSED) {
        metrics.counter("ppruning.finetuner.events.refused", "reason", a.label()).increment();
        LOG.warnf("refused model event %s (%s): %s", where, a.label(), a.reason());
      }
      commits.release(partition, offset, epoch); // our own fine-tuned announcements need nothing
      return;
    }
    Job job = new Job(a.event(), partition, offset, epoch);
    queue
        .offer(job.event().task(), job)
        .ifPresent(
            old -> {
              LOG.infof(
                  "%s version %d superseded by version %d before training",
                  old.event().task(), old.event().version(), job.event().version());
              superseded.increment();
              commits.release(old.partition(), old.offset(), old.epoch());
            });
  }

  /** Starts the worker thread; each fine-tuned event goes to {@code publish}. */
  void start(Consumer<ModelEvent> publish) {
    worker = new Thread(() -> work(publish), "finetuner-training");
    worker.start();
  }

  void stop() throws InterruptedException {
    stopping = true;
    if (worker != null) {
      worker.interrupt();
      worker.join(10_000);
    }
  }

  /** What is training right now ("" when idle). */
  String current() {
    return current.get();
  }

  /** The last job skipped after a failure and why ("" if none). */
  String lastSkipped() {
    return lastSkipped.get();
  }

  private void work(Consumer<ModelEvent> publish) {
    while (!stopping) {
      Optional<Map.Entry<String, Job>> next;
      try {
        next = queue.poll(500, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (next.isEmpty()) {
        continue;
      }
      Job job = next.get().getValue();
      ModelEvent e = job.event();
      running.incrementAndGet();
      current.set(e.task() + " v" + e.version());
      try {
        run(e, publish);
      } catch (InterruptedException ex) { // stopping: not released, so it is read again
        return;
      } finally {
        running.decrementAndGet();
        current.set("");
      }
      // Published, skipped, or given up: done with its record (unless its partition was revoked).
      commits.release(job.partition(), job.offset(), job.epoch());
    }
  }

  /** Trains (retrying as the policy says), then publishes until the broker takes the event. */
  private void run(ModelEvent e, Consumer<ModelEvent> publish) throws InterruptedException {
    FinetunerEngine.Trained t = null;
    for (int attempt = 1; t == null; attempt++) {
      try {
        t = engine.train(e);
      } catch (Exception ex) {
        JobRetry.Decision d = retry.after(attempt, ex);
        String what = e.task() + " version " + e.version() + " (" + e.path() + ")";
        if (!d.retry()) {
          failed.increment();
          metrics
              .counter("ppruning.finetuner.jobs.skipped", "kind", d.kind().name().toLowerCase())
              .increment();
          lastSkipped.set(what + ": " + d.reason());
          LOG.errorf(ex, "fine-tuning %s skipped: %s", what, d.reason());
          return;
        }
        retried.increment();
        LOG.warnf("fine-tuning %s: %s", what, d.reason());
        sleep(d.delay());
      }
    }
    if (t.event() == null) {
      LOG.infof("%s: %s", e.task(), t.skipped());
      done.increment();
      return;
    }
    for (int attempt = 1; ; attempt++) {
      try {
        publish.accept(t.event());
        done.increment();
        return;
      } catch (RuntimeException ex) { // the broker: the version is written, keep its event
        publishRetries.increment();
        Duration wait = retry.delay(attempt);
        LOG.warnf("%s; publishing again in %s (attempt %d)", ex.getMessage(), wait, attempt + 1);
        sleep(wait);
      }
    }
  }

  private void sleep(Duration d) throws InterruptedException {
    if (stopping) {
      throw new InterruptedException("stopping");
    }
    Thread.sleep(d.toMillis());
  }
}
