package org.ppruning.finetuner;

import io.opentelemetry.context.Context;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.ppruning.service.KafkaTracing;
import org.ppruning.stream.ModelEvent;

/**
 * The trace of each pruned version's event, continued by the fine-tuned event of that version (its
 * {@code parent} is the pruned version's path); docs/operations.md, "Tracing". Nothing is kept
 * while tracing is off or an event carries no trace.
 */
final class EventTraces {
  private final KafkaTracing tracing;
  private final KafkaTracing.Latest byPath = new KafkaTracing.Latest();

  EventTraces(KafkaTracing tracing) {
    this.tracing = tracing;
  }

  /** Keeps a consumed model event's trace under its version path. */
  void read(ConsumerRecord<String, byte[]> r) {
    Context c = tracing.extract(r.headers());
    if (KafkaTracing.traced(c)) {
      byPath.remember(pathOf(r.value()), c);
    }
  }

  /** Sends a fine-tuned event in the trace of its pruned version's event; waits for the ack. */
  void publish(Producer<String, byte[]> producer, String topic, ModelEvent e) throws Exception {
    tracing.sendAndWait(producer, topic, e.task(), e.toJson(), byPath.get(e.parent()));
    byPath.take(e.parent()); // sent: a retry after a failed send still finds it
  }

  /** The version path of a model event, null if it is not one (TrainingJobs refuses it). */
  private static String pathOf(byte[] event) {
    try {
      return ModelEvent.fromJson(event).path();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
