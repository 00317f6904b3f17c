package org.ppruning.profiler;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.ppruning.stream.ProfiledBatch;
import org.ppruning.stream.ProfilerEngine;
import org.ppruning.stream.RejectReason;

/**
 * The profiler's meters (docs/streaming.md lists them), all registered up front so that dashboards
 * see zeros before the first batch.
 */
final class ProfilerMetrics {
  private final MeterRegistry registry;
  private final AtomicLong lag = new AtomicLong();
  private final Timer batchLatency;
  private final Timer profileLatency;
  private final DistributionSummary summaryBytes;
  private final Counter records;
  private final Counter replayed;
  private final Counter restarts;
  private final Counter deadLettersTruncated;

  ProfilerMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("ppruning.profiler.consumer.lag", lag, AtomicLong::get)
        .description("Sample records of the assigned partitions not yet committed")
        .register(registry);
    batchLatency =
        Timer.builder("ppruning.profiler.batch.latency")
            .description("Time from forming a batch to committing its offsets")
            .register(registry);
    profileLatency =
        Timer.builder("ppruning.profiler.profile.latency")
            .description("Time a batch spends in tokenizing, profile runs and summary building")
            .register(registry);
    summaryBytes =
        DistributionSummary.builder("ppruning.profiler.summary.bytes")
            .description("Size of the summary records produced")
            .baseUnit("bytes")
            .register(registry);
    for (RejectReason r : RejectReason.values()) {
      registry.counter("ppruning.profiler.rejected", "reason", r.name());
    }
    records = registry.counter("ppruning.profiler.records");
    replayed = registry.counter("ppruning.profiler.replayed.batches");
    restarts = registry.counter("ppruning.profiler.restarts");
    deadLettersTruncated =
        Counter.builder("ppruning.profiler.dead.letters.truncated")
            .description("Dead letters sent truncated: the whole record did not fit a request")
            .register(registry);
  }

  /** Records of the assigned partitions not committed yet. */
  void lag(long records) {
    lag.set(records);
  }

  /** The consumer loop starts again after a failure. */
  void restarted() {
    restarts.increment();
  }

  /** A dead letter went out truncated. */
  void deadLetterTruncated() {
    deadLettersTruncated.increment();
  }

  /** A batch re-formed from its commit plan. */
  void replayed() {
    replayed.increment();
  }

  void rejected(RejectReason reason) {
    registry.counter("ppruning.profiler.rejected", "reason", reason.name()).increment();
  }

  void truncated(String task) {
    registry.counter("ppruning.profiler.truncated", "task", task).increment();
  }

  void profiled(ProfiledBatch p) {
    profileLatency.record(p.profileNanos(), TimeUnit.NANOSECONDS);
  }

  void summaryRecord(int bytes) {
    summaryBytes.record(bytes);
  }

  /** A batch's end is committed. */
  void committed(ProfiledBatch p, long nowNanos) {
    for (ProfilerEngine.TaskSummary s : p.result().summaries()) {
      registry
          .counter("ppruning.profiler.samples", "task", s.task())
          .increment(s.sampleIds().size());
      registry
          .counter("ppruning.profiler.summary.records", "task", s.task())
          .increment(s.records().size());
    }
    records.increment(p.batch().records().size());
    batchLatency.record(nowNanos - p.batch().formedNanos(), TimeUnit.NANOSECONDS);
  }
}
