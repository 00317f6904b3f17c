package org.ppruning.service;

import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.ppruning.stream.Topics;

/**
 * The Kafka side of a service, the same shape in every service: {@code ppruning.<service>.kafka.*}.
 * The broker and every client setting the clients share (security, SASL, SSL, timeouts) are the
 * standard {@code kafka.*} keys ({@code kafka.bootstrap.servers}, {@code kafka.security.protocol},
 * ...); {@link #consumer}, {@link #producer} and {@link #admin} override them for one kind of
 * client.
 */
public interface KafkaSettings {

  /** Off: the service creates no Kafka client (it only answers health and metrics, or serves). */
  @WithDefault("true")
  boolean enabled();

  /** The consumer group; default {@code ppruning-<service>}. */
  Optional<String> group();

  /** Topic names, shared by every service (set the same value in each service that uses it). */
  TopicNames topics();

  /** Partitions of the topics this service creates when they are missing. */
  @WithDefault("3")
  int partitions();

  /** Replication factor of the topics this service creates. */
  @WithDefault("1")
  short replicationFactor();

  /**
   * How often the {@code <service>-kafka} readiness check asks the broker for its cluster
   * description; also the longest one probe waits for the answer. A duration ({@code 5s}, {@code
   * PT5S}; the default is written ISO-8601 so that plain SmallRye, without Quarkus' converter,
   * reads it too).
   */
  @WithDefault("PT5S")
  Duration probeInterval();

  /** Consumer properties over the shared {@code kafka.*} ones, e.g. {@code session.timeout.ms}. */
  Map<String, String> consumer();

  /** Producer properties over the shared {@code kafka.*} ones. */
  Map<String, String> producer();

  /** Admin client properties over the shared {@code kafka.*} ones. */
  Map<String, String> admin();

  /** Topic names; defaults in {@link Topics}. */
  interface TopicNames {
    /** Task samples (JSON), read by the profiler. */
    @WithDefault(Topics.SAMPLES)
    String samples();

    /** Sample records the profiler refused, with the reason in headers. */
    @WithDefault(Topics.SAMPLES_DLQ)
    String dlq();

    /** Activation summaries: written by the profiler, read by the pruner. */
    @WithDefault(Topics.SUMMARIES)
    String summaries();

    /** Model events: pruned versions (pruner) and fine-tuned versions (finetuner). */
    @WithDefault(Topics.MODELS)
    String models();
  }
}
