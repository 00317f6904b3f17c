package org.ppruning.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.ppruning.service.KafkaKeys;
import org.ppruning.stream.ModelEvent;
import org.ppruning.stream.Topics;

/**
 * Reads every {@link ModelEvent} on {@link Topics#MODELS} from the beginning, without a consumer
 * group (it only watches: no offsets are committed, the services' groups are untouched).
 */
public final class ModelEventWatcher implements AutoCloseable {
  private final KafkaConsumer<String, byte[]> consumer;
  private final List<ModelEvent> seen = new ArrayList<>();

  /** A watcher of a broker without security settings. */
  public ModelEventWatcher(String bootstrap) {
    this(bootstrap, Map.of());
  }

  /**
   * @param bootstrap the broker's bootstrap servers (over {@code shared}'s)
   * @param shared the shared {@code kafka.*} client keys, prefix stripped ({@link KafkaKeys#of})
   */
  public ModelEventWatcher(String bootstrap, Map<String, String> shared) {
    Map<String, Object> c =
        KafkaKeys.layered(
            Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
            shared,
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                // no group: nothing may be committed
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                "false"));
    consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * Assigns every partition of the topic (which must exist: the pruner and finetuner create it).
   */
  private void assign(Duration timeout) throws InterruptedException {
    if (!consumer.assignment().isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<PartitionInfo> parts = consumer.partitionsFor(Topics.MODELS, Duration.ofSeconds(10));
      if (parts != null && !parts.isEmpty()) {
        List<TopicPartition> tps = new ArrayList<>();
        parts.forEach(p -> tps.add(new TopicPartition(p.topic(), p.partition())));
        consumer.assign(tps);
        consumer.seekToBeginning(tps);
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "topic "
                + Topics.MODELS
                + " does not exist after "
                + timeout.toSeconds()
                + " s (the pruner and finetuner create it at start)");
      }
      Thread.sleep(500);
    }
  }

  /** Events read so far, in arrival order. */
  public List<ModelEvent> seen() {
    return List.copyOf(seen);
  }

  /** Reads what arrived within {@code wait}; each new event goes to {@code onEvent}. */
  public List<ModelEvent> poll(Duration wait, Consumer<ModelEvent> onEvent)
      throws InterruptedException {
    assign(Duration.ofSeconds(60));
    List<ModelEvent> out = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : consumer.poll(wait)) {
      ModelEvent e = ModelEvent.fromJson(r.value());
      seen.add(e);
      out.add(e);
      onEvent.accept(e);
    }
    return out;
  }

  /**
   * The first event (already seen or new) that matches, waiting at most {@code timeout}; {@code
   * tick} runs about once a second while waiting (progress lines, process checks).
   *
   * @throws IllegalStateException naming {@code what} on timeout
   */
  public ModelEvent await(
      String what,
      Predicate<ModelEvent> match,
      Duration timeout,
      Consumer<ModelEvent> onEvent,
      Runnable tick)
      throws InterruptedException {
    Optional<ModelEvent> hit = seen.stream().filter(match).findFirst();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (hit.isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "no "
                + what
                + " on "
                + Topics.MODELS
                + " within "
                + timeout.toSeconds()
                + " s; events seen: "
                + seen.size());
      }
      hit = poll(Duration.ofSeconds(1), onEvent).stream().filter(match).findFirst();
      tick.run();
    }
    return hit.get();
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
