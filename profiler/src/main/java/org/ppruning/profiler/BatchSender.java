package org.ppruning.profiler;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jboss.logging.Logger;
import org.ppruning.stream.BatchPlanner;
import org.ppruning.stream.BatchPlanner.Batch;
import org.ppruning.stream.BatchPlanner.Polled;
import org.ppruning.stream.ProfiledBatch;
import org.ppruning.stream.ProfilerEngine;
import org.ppruning.stream.SampleRecords;

/**
 * What happens to a batch the {@link BatchPlanner} formed: profiled in core ({@link
 * ProfiledBatch}), its dead letters and summaries sent with the producer, counted once its end is
 * committed. One per run of the consumer loop (the producer's lifetime).
 */
final class BatchSender implements BatchPlanner.Worker<ProfiledBatch> {
  private static final Logger LOG = Logger.getLogger(BatchSender.class);

  private final Producer<byte[], byte[]> producer;
  private final SampleLoopSettings settings;
  private final SampleRecords records;
  private final ProfilerEngine engine;
  private final ProfilerMetrics metrics;
  private final BooleanSupplier stopping;
  private volatile long lastCommitNanos;

  BatchSender(
      Producer<byte[], byte[]> producer,
      SampleLoopSettings settings,
      SampleRecords records,
      ProfilerEngine engine,
      ProfilerMetrics metrics,
      BooleanSupplier stopping) {
    this.producer = producer;
    this.settings = settings;
    this.records = records;
    this.engine = engine;
    this.metrics = metrics;
    this.stopping = stopping;
  }

  /** {@link System#nanoTime} of the last committed batch, 0 before. */
  long lastCommitNanos() {
    return lastCommitNanos;
  }

  @Override
  public boolean stopping() {
    return stopping.getAsBoolean();
  }

  @Override
  public ProfiledBatch prepare(Batch batch) {
    if (batch.replayed()) {
      metrics.replayed();
      LOG.infof(
          "re-forming batch %s-%d offsets [%d, %d) from its commit plan",
          settings.samplesTopic(), batch.partition(), batch.start(), batch.end());
    }
    ProfiledBatch p = ProfiledBatch.of(settings.samplesTopic(), batch, records, engine);
    metrics.profiled(p);
    for (int i = 0; i < p.truncated().size(); i++) {
      ProfilerEngine.Truncation t = p.result().truncated().get(i);
      Polled r = p.truncated().get(i);
      metrics.truncated(t.task());
      LOG.warnf(
          "sample '%s' of task '%s' (%s-%d@%d) truncated from %d to %d tokens",
          t.sampleId(),
          t.task(),
          settings.samplesTopic(),
          r.partition(),
          r.offset(),
          t.fullLength(),
          t.keptLength());
    }
    return p;
  }

  @Override
  public BatchPlanner.Acks publish(ProfiledBatch p) {
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    for (ProfiledBatch.Letter l : p.letters()) {
      acks.add(deadLetter(l));
    }
    for (ProfilerEngine.TaskSummary s : p.result().summaries()) {
      byte[] key = utf8(s.task());
      for (var rec : s.records()) {
        byte[] value = rec.toByteArray();
        metrics.summaryRecord(value.length);
        acks.add(producer.send(new ProducerRecord<>(settings.summariesTopic(), key, value)));
      }
    }
    return () -> {
      producer.flush();
      for (Future<RecordMetadata> f : acks) {
        f.get(); // a failed send throws: nothing is committed, the batch is redone
      }
    };
  }

  @Override
  public void committed(Batch batch, ProfiledBatch p) {
    long now = System.nanoTime();
    lastCommitNanos = now;
    metrics.committed(p, now);
    LOG.debugf(
        "batch %s-%d [%d, %d): %d profiled, %d rejected, %d summaries",
        settings.samplesTopic(),
        batch.partition(),
        batch.start(),
        batch.end(),
        p.result().profiled(),
        batch.records().size() - p.result().profiled(),
        p.result().summaries().size());
  }

  private Future<RecordMetadata> deadLetter(ProfiledBatch.Letter l) {
    Polled r = l.record();
    metrics.rejected(l.reason());
    LOG.infof(
        "rejected %s-%d@%d: %s: %s",
        settings.samplesTopic(), r.partition(), r.offset(), l.reason(), l.message());
    RecordHeaders h = new RecordHeaders();
    for (BatchPlanner.Header original : r.headers()) {
      h.add(original.key(), original.value());
    }
    h.add(DeadLetters.REASON, utf8(l.reason().name()));
    h.add(DeadLetters.MESSAGE, utf8(l.message()));
    h.add(DeadLetters.SOURCE_TOPIC, utf8(settings.samplesTopic()));
    h.add(DeadLetters.SOURCE_PARTITION, utf8(Integer.toString(r.partition())));
    h.add(DeadLetters.SOURCE_OFFSET, utf8(Long.toString(r.offset())));
    h.add(DeadLetters.SOURCE_TIMESTAMP, utf8(Long.toString(r.timestamp())));
    return producer.send(new ProducerRecord<>(settings.dlqTopic(), null, r.key(), r.value(), h));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
