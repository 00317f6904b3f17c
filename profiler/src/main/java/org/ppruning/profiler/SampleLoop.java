package org.ppruning.profiler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jboss.logging.Logger;
import org.ppruning.service.KafkaClients;
import org.ppruning.service.RestartLoop;
import org.ppruning.stream.BatchPlanner;

/**
 * The Kafka adapter of the profiler: polls sample records into a {@link BatchPlanner} (which forms
 * the atomic per-partition batches and decides every commit, see its protocol), gives it the
 * consumer's positions, commits and pauses, and forwards rebalances to it; {@link BatchSender}
 * profiles and sends the batches. One run of the {@link RestartLoop}: returns when the loop is
 * stopping (within a poll interval, 100 ms, after the batch in hand), throws on a Kafka failure
 * with nothing of the batch in hand committed, so the next run redoes it.
 */
final class SampleLoop implements BatchPlanner.Source, ConsumerRebalanceListener {
  private static final Logger LOG = Logger.getLogger(SampleLoop.class);

  private final KafkaClients clients;
  private final SampleLoopSettings settings;
  private final ProfilingSteps steps;
  private KafkaConsumer<byte[], byte[]> consumer;
  private BatchPlanner planner;
  private RestartLoop loop;
  private volatile BatchSender sender;
  private volatile long firstRecordNanos; // 0 until a record arrived (for the benchmark)

  SampleLoop(KafkaClients clients, SampleLoopSettings settings, ProfilingSteps steps) {
    this.clients = clients;
    this.settings = settings;
    this.steps = steps;
  }

  /** {@link System#nanoTime} when the first record arrived, 0 before. */
  long firstRecordNanos() {
    return firstRecordNanos;
  }

  /** {@link System#nanoTime} of the last offset commit, 0 before. */
  long lastCommitNanos() {
    BatchSender s = sender;
    return s == null ? 0 : s.lastCommitNanos();
  }

  /** Consumes until {@code loop} is stopping ({@link RestartLoop.Body}). */
  void run(RestartLoop loop) throws InterruptedException, ExecutionException {
    try (KafkaConsumer<byte[], byte[]> c =
            clients.consumer(
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer(),
                settings.consumerDefaults());
        KafkaProducer<byte[], byte[]> producer =
            clients.producer(
                new ByteArraySerializer(),
                new ByteArraySerializer(),
                settings.producerDefaults())) {
      if (loop.stopping()) {
        return;
      }
      this.loop = loop;
      consumer = c;
      planner = new BatchPlanner(settings.batchSize(), settings.linger(), this, System::nanoTime);
      sender =
          new BatchSender(
              producer,
              settings,
              steps,
              loop::stopping,
              settings.maxRequestBytes(clients.producerConfig(settings.producerDefaults())));
      c.subscribe(List.of(settings.samplesTopic()), this);
      while (!loop.stopping()) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
          long now = System.nanoTime();
          if (firstRecordNanos == 0) {
            firstRecordNanos = now;
          }
          List<BatchPlanner.Header> headers = new ArrayList<>();
          for (Header h : r.headers()) {
            headers.add(new BatchPlanner.Header(h.key(), h.value()));
          }
          planner.add(
              new BatchPlanner.Polled(
                  r.partition(), r.offset(), r.key(), r.value(), r.timestamp(), headers, now));
        }
        planner.drainAll(sender);
        planner.flowControl();
        steps.metrics().lag(planner.lag());
      }
    }
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> parts) {
    loop.running(); // joined the group (an instance may get no partition and be healthy)
    planner
        .assigned(partitions(parts))
        .forEach(
            (p, plan) ->
                LOG.infof(
                    "partition %s-%d: a batch [%d, %d) was started and not committed; it will be"
                        + " redone as it was",
                    settings.samplesTopic(), p, plan.start(), plan.end()));
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> parts) {
    planner.forget(partitions(parts));
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> parts) {
    planner.forget(partitions(parts));
  }

  @Override
  public long position(int partition) {
    return consumer.position(tp(partition));
  }

  @Override
  public OptionalLong lag(int partition) {
    return consumer.currentLag(tp(partition));
  }

  @Override
  public Map<Integer, BatchPlanner.Committed> committed(Set<Integer> partitions) {
    Map<Integer, BatchPlanner.Committed> out = new HashMap<>();
    consumer
        .committed(partitions.stream().map(this::tp).collect(Collectors.toSet()))
        .forEach( // Kafka's metadata is "" when none was committed, never null
            (tp, m) -> {
              if (m != null) {
                out.put(tp.partition(), new BatchPlanner.Committed(m.offset(), m.metadata()));
              }
            });
    return out;
  }

  @Override
  public Set<Integer> assignment() {
    return Set.copyOf(partitions(consumer.assignment()));
  }

  @Override
  public void pause(Collection<Integer> partitions) {
    consumer.pause(partitions.stream().map(this::tp).toList());
  }

  @Override
  public void resume(Collection<Integer> partitions) {
    consumer.resume(partitions.stream().map(this::tp).toList());
  }

  @Override
  public void commit(int partition, long offset, String metadata) {
    consumer.commitSync(Map.of(tp(partition), new OffsetAndMetadata(offset, metadata)));
  }

  private TopicPartition tp(int partition) {
    return new TopicPartition(settings.samplesTopic(), partition);
  }

  private static List<Integer> partitions(Collection<TopicPartition> parts) {
    return parts.stream().map(TopicPartition::partition).toList();
  }
}
