package org.ppruning.finetuner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ppruning.fetch.AtomicFiles;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.Imported;
import org.ppruning.model.LayerSpec;
import org.ppruning.model.UnitRemoval;
import org.ppruning.stream.ModelEvent;
import org.ppruning.stream.ModelRepository;
import org.ppruning.stream.Topics;
import org.ppruning.testing.RealModels;

/**
 * The training half of the finetuner against the real broker: a pruned-version event for real
 * MiniLM (half its heads and neurons removed) -> a fine-tuned version in the serving repository
 * with test metrics, distilled from the configured teacher -> a finetuned event; the same event
 * again trains nothing.
 */
@QuarkusTest
@TestProfile(TrainingLoopIT.Training.class)
@Tag("real")
class TrainingLoopIT {
  static final Path ROOT = Path.of("target/it-training").toAbsolutePath();
  static final String GROUP = "it-" + UUID.randomUUID();

  public static class Training implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "ppruning.finetuner.training.enabled",
          "true",
          "ppruning.finetuner.serving.repository",
          ROOT.resolve("serving").toString(),
          "ppruning.finetuner.training.pruned-repository",
          ROOT.resolve("pruned").toString(),
          "ppruning.finetuner.training.epochs",
          "1",
          "ppruning.finetuner.training.train-rows",
          "1024",
          "ppruning.finetuner.training.lr",
          "1e-4",
          "ppruning.finetuner.training.teacher",
          "all-minilm-l6-v2",
          "ppruning.finetuner.kafka.group",
          GROUP);
    }
  }

  @Inject TrainingLoop loop;

  @Test
  void aPrunedVersionIsFineTunedOnceAndAnnounced() throws Exception {
    String bootstrap = System.getProperty("kafka.bootstrap.servers");
    assertNotNull(bootstrap, "run through bin/mvn verify (failsafe starts the test broker)");
    String task = "sentiment";
    ModelRepository pruned = new ModelRepository(ROOT.resolve("pruned"));
    Imported mini = RealModels.source("all-minilm-l6-v2").load(System.err);
    List<int[]> heads = new ArrayList<>();
    List<int[]> neurons = new ArrayList<>();
    for (LayerSpec l : mini.spec().layers()) {
      heads.add(range(l.heads() / 2, l.heads()));
      neurons.add(range(l.ffn() / 2, l.ffn()));
    }
    UnitRemoval.Pruned half = UnitRemoval.remove(mini.spec(), mini.weights(), heads, neurons);
    long version = pruned.nextVersion(task);
    Path v1 =
        pruned.write(
            task,
            version,
            dir -> {
              try (TransformerModel m =
                  TransformerModel.build(half.spec(), half.weights(), mini.tokenizerJson())) {
                m.export(dir, false);
              }
            });
    ModelEvent event =
        new ModelEvent(
            ModelEvent.PRUNED,
            task,
            version,
            v1.toUri().toString(),
            "all-minilm-l6-v2",
            List.of(),
            0.5,
            0.8,
            2412,
            "test",
            null,
            Instant.now().toString());

    long before = loop.repository().versions(task).size();
    try (KafkaProducer<String, byte[]> p = producer(bootstrap);
        KafkaConsumer<String, byte[]> c = consumer(bootstrap)) {
      c.subscribe(List.of(Topics.MODELS));
      p.send(new ProducerRecord<>(Topics.MODELS, task, event.toJson())).get();
      ModelEvent tuned = awaitFinetuned(c, event.path(), Duration.ofMinutes(8));
      assertEquals(task, tuned.task());
      assertEquals(event.path(), tuned.parent());
      assertTrue(tuned.reason().endsWith("serving it"), tuned.reason());
      Path dir = Path.of(java.net.URI.create(tuned.path()));
      assertTrue(Files.isRegularFile(dir.resolve("saved_model.pb")), dir.toString());
      double acc = tuned.metrics().get("test_accuracy");
      assertTrue(acc > 0.6 && acc <= 1.0, "one epoch on the real task learns something: " + acc);
      try (TransformerModel m = TransformerModel.load(dir)) {
        assertEquals(half.spec().layers(), m.spec().layers(), "the pruned widths are kept");
        assertEquals(task, m.spec().head().task());
        // The configured teacher was used, with the default weight, decaying.
        Map<?, ?> how = (Map<?, ?>) m.spec().metadata().get("finetune");
        assertEquals(mini.spec().source(), how.get("teacher"), how.toString());
        assertEquals(10.0, ((Number) how.get("distillWeight")).doubleValue(), how.toString());
        assertEquals(true, how.get("distillDecay"), how.toString());
      }
      assertEquals(before + 1, loop.repository().versions(task).size());

      // The same event again (a redelivery): nothing is trained twice.
      // Its offset is committed once it is skipped (or, wrongly, trained and published again).
      RecordMetadata again =
          p.send(new ProducerRecord<>(Topics.MODELS, task, event.toJson())).get();
      awaitCommitted(bootstrap, again, Duration.ofMinutes(5));
      assertEquals(before + 1, loop.repository().versions(task).size());
    } finally {
      AtomicFiles.deleteTree(v1);
      Files.createDirectories(v1); // empty: its number stays used, so no later run reuses its path
    }
  }

  private static int[] range(int from, int to) {
    int[] r = new int[to - from];
    for (int i = 0; i < r.length; i++) {
      r[i] = from + i;
    }
    return r;
  }

  private static ModelEvent awaitFinetuned(
      KafkaConsumer<String, byte[]> c, String parent, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
        ModelEvent e = ModelEvent.fromJson(r.value());
        if (ModelEvent.FINETUNED.equals(e.stage()) && parent.equals(e.parent())) {
          return e;
        }
      }
    }
    throw new AssertionError("no finetuned event for " + parent + " within " + timeout);
  }

  /** Waits until the finetuner's group has committed past {@code record}. */
  private static void awaitCommitted(String bootstrap, RecordMetadata record, Duration timeout)
      throws Exception {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    Properties a = new Properties();
    a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(a)) {
      Instant deadline = Instant.now().plus(timeout);
      while (Instant.now().isBefore(deadline)) {
        OffsetAndMetadata committed =
            admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get().get(tp);
        if (committed != null && committed.offset() > record.offset()) {
          return;
        }
        Thread.sleep(250);
      }
    }
    throw new AssertionError(
        GROUP + " did not commit past " + tp + "@" + record.offset() + " within " + timeout);
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  private static KafkaConsumer<String, byte[]> consumer(String bootstrap) {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "it-watch-" + UUID.randomUUID());
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
  }
}
