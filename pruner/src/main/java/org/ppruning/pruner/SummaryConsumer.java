package org.ppruning.pruner;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RetriableCommitFailedException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;
import org.ppruning.service.KafkaClients;
import org.ppruning.service.KafkaSettings;
import org.ppruning.service.KafkaTracing;
import org.ppruning.service.RestartLoop;
import org.ppruning.stream.PrunerCheckpoint.Partition;
import org.ppruning.stream.PrunerLoop;

/**
 * The Kafka side of one run of the pruner's {@link PrunerLoop}: polls the summaries topic (group
 * {@code ppruning-pruner}), seeks each assigned partition to the offset the checkpoint covers,
 * pauses and resumes the input around re-clusterings, sends model events on an idempotent producer
 * and commits the checkpointed offsets. Any Kafka failure ends the run (a failed commit at the next
 * poll); the {@link RestartLoop} starts another.
 */
final class SummaryConsumer implements PrunerLoop.Transport, ConsumerRebalanceListener {
  private static final Logger LOG = Logger.getLogger(SummaryConsumer.class);
  static final Map<String, Object> CONSUMER =
      Map.of(
          ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
          ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
          ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
  static final Map<String, Object> PRODUCER =
      Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.ACKS_CONFIG, "all");
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

  private final KafkaConsumer<String, byte[]> consumer;
  private final KafkaProducer<String, byte[]> producer;
  private final String models;
  private final PrunerLoop loop;
  private final KafkaTracing tracing;
  private final KafkaTracing.Latest traces = new KafkaTracing.Latest();
  private Exception commitFailure;

  private SummaryConsumer(
      KafkaConsumer<String, byte[]> consumer,
      KafkaProducer<String, byte[]> producer,
      String models,
      PrunerLoop loop,
      KafkaTracing tracing) {
    this.consumer = consumer;
    this.producer = producer;
    this.models = models;
    this.loop = loop;
    this.tracing = tracing;
  }

  /** One run: topics, clients, the poll loop until {@code restart} stops; then the final save. */
  static void run(KafkaClients kafka, PrunerLoop loop, RestartLoop restart, KafkaTracing tracing)
      throws Exception {
    KafkaSettings.TopicNames topics = kafka.settings().topics();
    try {
      kafka
          .ensureTopics(
              List.of(kafka.newTopic(topics.summaries()), kafka.newTopic(topics.models())),
              ADMIN_TIMEOUT)
          .forEach(t -> LOG.infof("pruner: created topic %s", t));
    } catch (TimeoutException e) {
      throw new TimeoutException(
          "no answer from the Kafka broker "
              + kafka.bootstrap()
              + " within "
              + ADMIN_TIMEOUT.toSeconds()
              + " s while checking topics "
              + topics.summaries()
              + " and "
              + topics.models());
    }
    loop.restarted();
    try (KafkaConsumer<String, byte[]> c =
            kafka.consumer(new StringDeserializer(), new ByteArrayDeserializer(), CONSUMER);
        KafkaProducer<String, byte[]> p =
            kafka.producer(new StringSerializer(), new ByteArraySerializer(), PRODUCER)) {
      SummaryConsumer s = new SummaryConsumer(c, p, topics.models(), loop, tracing);
      c.subscribe(List.of(topics.summaries()), s);
      restart.running();
      while (!restart.stopping()) {
        s.poll();
      }
      loop.finish(s);
    }
  }

  private void poll() throws Exception {
    if (commitFailure != null) {
      throw new IllegalStateException(
          "pruner: committing offsets failed: " + commitFailure, commitFailure);
    }
    List<PrunerLoop.Input> in = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
      traces.remember(r.key(), tracing.extract(r.headers()));
      in.add(
          new PrunerLoop.Input(
              r.key(), r.value(), new Partition(r.topic(), r.partition()), r.offset()));
    }
    loop.received(in);
    loop.step(this);
  }

  @Override
  public void pause() {
    consumer.pause(consumer.assignment());
  }

  @Override
  public void resume() {
    consumer.resume(consumer.assignment());
  }

  @Override
  public void publish(String task, byte[] event) throws Exception {
    // Continues the trace of the task's latest summary record received (docs/operations.md).
    tracing.sendAndWait(producer, models, task, event, traces.get(task));
  }

  @Override
  public void commit(Map<Partition, Long> next) {
    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
    for (TopicPartition tp : consumer.assignment()) {
      Long offset = next.get(new Partition(tp.topic(), tp.partition()));
      if (offset != null) {
        commit.put(tp, new OffsetAndMetadata(offset));
      }
    }
    if (commit.isEmpty()) {
      return;
    }
    // Asynchronous: the checkpoint is what counts, the group's offsets show the lag.
    consumer.commitAsync(
        commit,
        (offsets, e) -> {
          if (e instanceof RetriableCommitFailedException) {
            LOG.warnf(
                "pruner: commit of %s failed, the next checkpoint commits again: %s", offsets, e);
          } else if (e != null) {
            commitFailure = e;
          }
        });
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> parts) {
    Map<Partition, Long> offsets = loop.positions();
    for (TopicPartition tp : parts) {
      Long next = offsets.get(new Partition(tp.topic(), tp.partition()));
      if (next != null) {
        consumer.seek(tp, next);
      } else {
        consumer.seekToBeginning(List.of(tp));
      }
    }
    if (loop.busy()) {
      consumer.pause(parts);
    }
    LOG.infof("pruner: assigned %s, resuming at checkpointed offsets %s", parts, offsets);
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> parts) {
    try {
      loop.revoked(
          parts.stream().map(tp -> new Partition(tp.topic(), tp.partition())).toList(), this);
    } catch (IOException e) {
      LOG.error("pruner: checkpoint on revocation failed", e);
    }
  }
}
