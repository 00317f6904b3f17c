package org.ppruning.profiler;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.ppruning.stream.BatchPlanner;
import org.ppruning.stream.DeadLetter;

/** What {@link SampleLoop} reads and writes, and its batches. */
record SampleLoopSettings(
    String samplesTopic,
    String dlqTopic,
    String summariesTopic,
    int batchSize,
    Duration linger,
    int maxProducerBytes) {
  SampleLoopSettings {
    BatchPlanner.checkSettings(batchSize, linger);
  }

  /** The consumer's service defaults ({@code kafka.*} and per-client keys override them). */
  Map<String, Object> consumerDefaults() {
    return Map.of(
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
        "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        "read_committed",
        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
        Math.max(4 * batchSize, 100));
  }

  /**
   * The producer's effective {@code max.request.size} in {@code producerConfig} (the defaults with
   * the {@code kafka.*} overrides); refuses one too small for a dead letter.
   */
  int maxRequestBytes(Map<String, Object> producerConfig) {
    Object v = producerConfig.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
    int n = v == null ? maxProducerBytes : Integer.parseInt(v.toString().strip());
    if (n < DeadLetter.MIN_REQUEST_BYTES) {
      throw new IllegalArgumentException(
          "producer max.request.size is "
              + n
              + " bytes; a dead letter needs at least "
              + DeadLetter.MIN_REQUEST_BYTES);
    }
    return n;
  }

  /** The producer's service defaults: idempotent, room for the largest record. */
  Map<String, Object> producerDefaults() {
    return Map.of(
        ProducerConfig.ACKS_CONFIG,
        "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
        true,
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
        maxProducerBytes,
        ProducerConfig.LINGER_MS_CONFIG,
        5);
  }
}
