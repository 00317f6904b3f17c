package org.ppruning.profiler;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jboss.logging.Logger;
import org.ppruning.stream.BatchPlanner;
import org.ppruning.stream.BatchPlanner.Polled;
import org.ppruning.stream.DeadLetter;
import org.ppruning.stream.ProfiledBatch;

/** Sends a batch's dead letters to the DLQ topic as {@link DeadLetter} plans them. */
final class DeadLetterSender {
  private static final Logger LOG = Logger.getLogger(DeadLetterSender.class);

  private final Producer<byte[], byte[]> producer;
  private final SampleLoopSettings settings;
  private final ProfilerMetrics metrics;
  private final int maxRequestBytes;

  DeadLetterSender(
      Producer<byte[], byte[]> producer,
      SampleLoopSettings settings,
      ProfilerMetrics metrics,
      int maxRequestBytes) {
    this.producer = producer;
    this.settings = settings;
    this.metrics = metrics;
    this.maxRequestBytes = maxRequestBytes;
  }

  /**
   * Sends the dead letter {@link DeadLetter#of} plans (whole, or truncated to fit the producer's
   * max.request.size).
   */
  Sent send(ProfiledBatch.Letter l) {
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
    return new Sent(l, sendRecord(d));
  }

  private Future<RecordMetadata> sendRecord(DeadLetter d) {
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
  final class Sent {
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
        sendRecord(
                DeadLetter.headersOnly(
                    r, letter.reason(), letter.message(), settings.samplesTopic()))
            .get();
      }
    }
  }
}
