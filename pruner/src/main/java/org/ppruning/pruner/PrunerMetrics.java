package org.ppruning.pruner;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;
import org.ppruning.stream.PrunerCheckpoint.Partition;
import org.ppruning.stream.PrunerEngine;
import org.ppruning.stream.PrunerLoop;
import org.ppruning.stream.VersionCheck;

/** The pruner's metrics and log lines: what its {@link PrunerLoop} reports. */
final class PrunerMetrics implements PrunerLoop.Observer {
  private static final Logger LOG = Logger.getLogger(PrunerMetrics.class);

  private final MeterRegistry meters;
  private final Set<String> metered = ConcurrentHashMap.newKeySet();
  private volatile PrunerEngine engine;

  PrunerMetrics(MeterRegistry meters) {
    this.meters = meters;
    meters.counter("ppruning.pruner.restarts"); // these from the start: dashboards see zeros
    meters.counter("ppruning.pruner.recluster.failures");
    for (VersionCheck.Reason r : VersionCheck.Reason.values()) { // present from the start
      meters.counter("ppruning.pruner.versions.skipped", "reason", r.label());
    }
  }

  /** The engine the gauges read; its tasks get their gauges now. */
  void watch(PrunerEngine e) {
    engine = e;
    e.tasks().forEach(this::meter);
  }

  /** The consumer loop failed and starts again. */
  void restarted() {
    meters.counter("ppruning.pruner.restarts").increment();
  }

  @Override
  public void merged(PrunerEngine.Accepted a, Partition from, long offset) {
    meters
        .counter("ppruning.pruner.summaries", "outcome", a.outcome().name().toLowerCase())
        .increment();
    if (a.outcome() == PrunerEngine.Outcome.REJECTED) {
      return;
    }
    meter(a.task());
    if (a.outcome() == PrunerEngine.Outcome.REDELIVERED) {
      LOG.infof(
          "pruner: %s@%d redelivers a batch of task %s: not counted again", from, offset, a.task());
    }
  }

  @Override
  public void rejected(String reason, String detail) {
    meters.counter("ppruning.pruner.summaries.rejected", "reason", reason).increment();
    LOG.warnf("pruner: summary rejected (%s): %s", reason, detail);
  }

  @Override
  public void pruned(PrunerEngine.Pruned p) {
    String task = p.task();
    for (VersionCheck.Problem skipped : p.skipped()) {
      meters
          .counter("ppruning.pruner.versions.skipped", "reason", skipped.reason().label())
          .increment();
      LOG.warnf(
          "pruner: skipping version folder %s of %s (%s): %s; the latest valid version is %s",
          skipped.path(),
          task,
          skipped.reason().label(),
          skipped.detail(),
          p.version() == 0 ? "none" : p.version());
    }
    meters
        .timer("ppruning.pruner.recluster", "task", task)
        .record(Duration.ofNanos((long) (p.seconds() * 1e9)));
    LOG.infof(
        "pruner: re-clustered %s at %d samples in %.1f s: change %.4f, %s",
        task,
        p.samples(),
        p.seconds(),
        p.change(),
        p.written()
            ? "wrote version " + p.version()
            : "no new version (latest " + p.version() + ")");
    if (p.written()) {
      meters.counter("ppruning.pruner.versions.written", "task", task).increment();
    }
  }

  @Override
  public void pruneFailed(Throwable cause) {
    meters.counter("ppruning.pruner.recluster.failures").increment();
    LOG.error("pruner: re-clustering failed", cause);
  }

  /** Registers the per-task gauges once. */
  private void meter(String task) {
    if (task == null || !metered.add(task)) {
      return;
    }
    Gauge.builder("ppruning.pruner.samples", () -> engine.samples(task))
        .tag("task", task)
        .description("samples merged")
        .register(meters);
    Gauge.builder(
            "ppruning.pruner.recluster.last.timestamp", () -> engine.lastPruneMillis(task) / 1000.0)
        .tag("task", task)
        .baseUnit("seconds")
        .description("when the task was last re-clustered (0: not since start)")
        .register(meters);
    Gauge.builder("ppruning.pruner.recluster.last.duration", () -> engine.lastPruneSeconds(task))
        .tag("task", task)
        .baseUnit("seconds")
        .description("how long it took")
        .register(meters);
    Gauge.builder("ppruning.pruner.versions", () -> latest(task))
        .tag("task", task)
        .description("latest version in the repository")
        .register(meters);
  }

  private double latest(String task) {
    try {
      return engine.repository().latest(task).orElse(0);
    } catch (IOException e) {
      return Double.NaN;
    }
  }
}
