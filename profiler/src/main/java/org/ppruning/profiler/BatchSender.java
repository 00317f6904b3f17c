package org.ppruning.profiler;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jboss.logging.Logger;
import org.ppruning.stream.BatchPlanner;
import org.ppruning.stream.BatchPlanner.Batch;
import org.ppruning.stream.BatchPlanner.Polled;
import org.ppruning.stream.DeadLetter;
import org.ppruning.stream.ProfiledBatch;
import org.ppruning.stream.ProfilerEngine;
import org.ppruning.stream.SampleRecords;

/**
 * What happens to a batch the {@link BatchPlanner} formed: profiled in core ({@link
 * ProfiledBatch}), its dead letters and summaries sent with the producer, counted once its end is
 * committed. One per run of the consumer loop (the producer's lifetime). A dead letter is sent
 * whole or truncated to fit the producer's {@code max.request.size} ({@link DeadLetter}), so that
 * no record can make its batch unsendable.
 */
final class BatchSender implements BatchPlanner.Worker<ProfiledBatch> {
  private static final Logger LOG = Logger.getLogger(BatchSender.class);

  private final Producer<byte[], byte[]> producer;
  private final SampleLoopSettings settings;
  private final SampleRecords records;
  private final ProfilerEngine engine;
  private final ProfilerMetrics metrics;
  private final BooleanSupplier stopping;
  private final int maxRequestBytes;
  private volatile long lastCommitNanos;

  BatchSender(
      Producer<byte[], byte[]> producer,
      SampleLoopSettings settings,
      SampleRecords records,
      ProfilerEngine engine,
      ProfilerMetrics metrics,
      BooleanSupplier stopping,
      int maxRequestBytes) {
    this.producer = producer;
    this.settings = settings;
    this.records = records;
    this.engine = engine;
    this.metrics = metrics;
    this.stopping = stopping;
    this.maxRequestBytes = maxRequestBytes;
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
    List<Sent> letters = new ArrayList<>();
    for (ProfiledBatch.Letter l : p.letters()) {
      letters.add(deadLetter(l));
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
      for (Sent l : letters) {
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
   * Sends the dead letter {@link DeadLetter#of} plans (whole, or truncated to fit the producer's
   * max.request.size).
   */
  private Sent deadLetter(ProfiledBatch.Letter l) {
    Polled r = l.record();
    metrics.rejected(l.reason());
    LOG.infof(
        "rejected %s-%d@%d: %s: %s",
        settings.samplesTopic(), r.partition(), r.offset(), l.reason(), l.message());
    DeadLetter d =
        DeadLetter.of(r, l.reason(), l.message(), settings.samplesTopic(), maxRequestBytes);
    if (d.truncated()) {
      metrics.deadLetterTruncated();
      LOG.warnf(
          "dead letter of %s-%d@%d truncated to %d bytes of its %d-byte value to fit %s",
          settings.samplesTopic(),
          r.partition(),
          r.offset(),
          d.value() == null ? 0 : d.value().length,
          r.value() == null ? 0 : r.value().length,
          settings.dlqTopic());
    }
    return new Sent(l, send(d));
  }

  private Future<RecordMetadata> send(DeadLetter d) {
    RecordHeaders h = new RecordHeaders();
    for (BatchPlanner.Header x : d.headers()) {
      h.add(x.key(), x.value());
    }
    return producer.send(new ProducerRecord<>(settings.dlqTopic(), null, d.key(), d.value(), h));
  }

  /**
   * A dead letter in flight. A copy the broker refuses as too large (a DLQ topic whose {@code
   * max.message.bytes} is below the producer's limit) is sent again as {@link
   * DeadLetter#headersOnly}; any other failure throws, so that nothing of the batch is committed
   * and the next run of the loop redoes it.
   */
  private final class Sent {
    private final ProfiledBatch.Letter letter;
    private final Future<RecordMetadata> ack;

    Sent(ProfiledBatch.Letter letter, Future<RecordMetadata> ack) {
      this.letter = letter;
      this.ack = ack;
    }

    void await() throws InterruptedException, ExecutionException {
      try {
        ack.get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RecordTooLargeException)) {
          throw e;
        }
        Polled r = letter.record();
        LOG.warnf(
            "%s refused the dead letter of %s-%d@%d as too large (%s); sending its headers only",
            settings.dlqTopic(),
            settings.samplesTopic(),
            r.partition(),
            r.offset(),
            e.getCause().getMessage());
        metrics.deadLetterTruncated();
        send(DeadLetter.headersOnly(r, letter.reason(), letter.message(), settings.samplesTopic()))
            .get();
      }
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
