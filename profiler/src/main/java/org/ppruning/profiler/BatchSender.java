package org.ppruning.profiler;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jboss.logging.Logger;
import org.ppruning.service.KafkaTracing;
import org.ppruning.stream.BatchPlanner;
import org.ppruning.stream.BatchPlanner.Batch;
import org.ppruning.stream.BatchPlanner.Polled;
import org.ppruning.stream.ProfiledBatch;
import org.ppruning.stream.ProfilerEngine;
import org.ppruning.stream.SampleRecords;

/**
 * What happens to a batch the {@link BatchPlanner} formed: profiled in core ({@link
 * ProfiledBatch}), its dead letters and summaries sent with the producer, counted once its end is
 * committed. One per run of the consumer loop (the producer's lifetime). A dead letter is sent
 * whole or truncated to fit the producer's {@code max.request.size} ({@link DeadLetterSender}), so
 * that no record can make its batch unsendable.
 */
final class BatchSender implements BatchPlanner.Worker<ProfiledBatch> {
  private static final Logger LOG = Logger.getLogger(BatchSender.class);

  private final Producer<byte[], byte[]> producer;
  private final SampleLoopSettings settings;
  private final SampleRecords records;
  private final ProfilerEngine engine;
  private final ProfilerMetrics metrics;
  private final KafkaTracing tracing;
  private final BooleanSupplier stopping;
  private final DeadLetterSender deadLetters;
  private volatile long lastCommitNanos;

  BatchSender(
      Producer<byte[], byte[]> producer,
      SampleLoopSettings settings,
      ProfilingSteps steps,
      BooleanSupplier stopping,
      int maxRequestBytes) {
    this.producer = producer;
    this.settings = settings;
    this.records = steps.records();
    this.engine = steps.engine();
    this.metrics = steps.metrics();
    this.tracing = steps.tracing();
    this.stopping = stopping;
    this.deadLetters = new DeadLetterSender(producer, settings, metrics, maxRequestBytes);
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
    List<DeadLetterSender.Sent> letters = new ArrayList<>();
    for (ProfiledBatch.Letter l : p.letters()) {
      letters.add(deadLetters.send(l));
    }
    for (ProfilerEngine.TaskSummary s : p.result().summaries()) {
      byte[] key = utf8(s.task());
      Span span = span(p, key);
      for (var rec : s.records()) {
        byte[] value = rec.toByteArray();
        metrics.summaryRecord(value.length);
        acks.add(
            producer.send(
                new ProducerRecord<>(
                    settings.summariesTopic(), null, key, value, tracing.headers(span))));
      }
      span.end();
    }
    return () -> {
      producer.flush();
      for (DeadLetterSender.Sent l : letters) {
        l.await();
      }
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

  /**
   * The producer span of a task's summary records: it continues the trace of the batch's last
   * traced sample record of that task (key = task, or no key) and links the others.
   */
  private Span span(ProfiledBatch p, byte[] task) {
    Context parent = Context.root();
    List<Context> links = new ArrayList<>();
    for (Polled r : p.batch().records()) {
      if (r.key() != null && !Arrays.equals(r.key(), task)) {
        continue;
      }
      Headers h = new RecordHeaders();
      r.headers().forEach(x -> h.add(x.key(), x.value()));
      Context c = tracing.extract(h);
      if (KafkaTracing.traced(c)) {
        if (KafkaTracing.traced(parent)) {
          links.add(parent);
        }
        parent = c;
      }
    }
    return tracing.publishSpan(settings.summariesTopic(), parent, links);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
