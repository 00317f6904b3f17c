package org.ppruning.finetuner;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jboss.logging.Logger;
import org.ppruning.data.TaskData;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.finetuner.serving.ServingRegistry;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.ModelLoader;
import org.ppruning.stream.CommitTracker;
import org.ppruning.stream.FinetunerEngine;
import org.ppruning.stream.LatestPerKey;
import org.ppruning.stream.ModelEvent;
import org.ppruning.train.Distillation;
import org.ppruning.train.Trainer;

/**
 * The training side of the finetuner: jobs wait one per task (a newer version supersedes the
 * waiting one) and run one at a time on their own thread through {@link FinetunerEngine}; a job's
 * record is released in the {@link CommitTracker} only once it finished or was superseded.
 */
final class TrainingJobs {
  private static final Logger LOG = Logger.getLogger(TrainingJobs.class);

  /** A pruned-version event and where it came from. */
  record Job(ModelEvent event, int partition, long offset) {}

  private final FinetunerEngine engine;
  private final CommitTracker commits;
  private final LatestPerKey<String, Job> queue = new LatestPerKey<>();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicReference<String> current = new AtomicReference<>("");
  private final Counter done;
  private final Counter failed;
  private final Counter superseded;
  private volatile boolean stopping;
  private Thread worker;

  TrainingJobs(FinetunerEngine engine, CommitTracker commits, MeterRegistry metrics) {
    this.engine = engine;
    this.commits = commits;
    metrics.gauge("ppruning.finetuner.jobs.running", running);
    metrics.gauge("ppruning.finetuner.jobs.waiting", queue, LatestPerKey::size);
    done = metrics.counter("ppruning.finetuner.jobs", "outcome", "done");
    failed = metrics.counter("ppruning.finetuner.jobs", "outcome", "failed");
    superseded = metrics.counter("ppruning.finetuner.jobs", "outcome", "superseded");
  }

  /** The engine over the serving repository, with the configured data set and teacher. */
  static FinetunerEngine engine(FinetunerConfig.Training c, ServingRegistry serving) {
    Trainer.Config tc =
        Trainer.Config.defaults(c.epochs(), c.lr(), c.batch(), c.maxLen(), c.seed());
    FinetunerEngine.Datasets data =
        name ->
            TaskData.load(
                name,
                null,
                ArtifactCache.fromEnvironment(System.getenv(), System.getProperties()),
                System.err);
    FinetunerEngine.Teacher teacher = c.teacher().isEmpty() ? () -> null : () -> teacher(c);
    return new FinetunerEngine(
        serving.repository(),
        new FinetunerEngine.Settings(c.dataset().orElse(null), tc),
        data,
        teacher,
        serving::offer);
  }

  private static Distillation teacher(FinetunerConfig.Training c) throws IOException {
    String name = c.teacher().orElseThrow();
    try (TransformerModel t =
        ModelLoader.open(
            name, ArtifactCache.fromEnvironment(System.getenv(), System.getProperties()))) {
      return new Distillation(t.spec(), t.readWeights(), c.distillWeight(), c.distillDecay());
    } catch (Exception e) { // any failure names the setting it came from
      throw new IOException(
          "cannot load the teacher "
              + name
              + " (ppruning.finetuner.training.teacher): "
              + e.getMessage(),
          e);
    }
  }

  /** Reads one record (already started in the tracker): queues its job or releases it. */
  void accept(byte[] value, int partition, long offset, String where) {
    FinetunerEngine.Accepted a = engine.accept(value);
    if (a.outcome() != FinetunerEngine.Outcome.JOB) {
      if (a.outcome() == FinetunerEngine.Outcome.REFUSED) {
        LOG.warnf("skipping %s: %s", where, a.reason());
      }
      commits.release(partition, offset); // our own fine-tuned announcements need nothing
      return;
    }
    Job job = new Job(a.event(), partition, offset);
    queue
        .offer(job.event().task(), job)
        .ifPresent(
            old -> {
              LOG.infof(
                  "%s version %d superseded by version %d before training",
                  old.event().task(), old.event().version(), job.event().version());
              superseded.increment();
              commits.release(old.partition(), old.offset());
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
        FinetunerEngine.Trained t = engine.train(e);
        if (t.event() != null) {
          publish.accept(t.event());
        } else {
          LOG.infof("%s: %s", e.task(), t.skipped());
        }
        done.increment();
      } catch (Exception ex) {
        failed.increment();
        LOG.errorf(
            ex,
            "fine-tuning %s version %d (%s) failed: %s",
            e.task(),
            e.version(),
            e.path(),
            ex.getMessage());
      } finally {
        running.decrementAndGet();
        current.set("");
        commits.release(job.partition(), job.offset()); // its partition may have been revoked
      }
    }
  }
}
