package org.ppruning.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ppruning.system.SystemFixtures.TASK;
import static org.ppruning.system.SystemFixtures.TASK_LABEL;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ppruning.data.Sample;
import org.ppruning.demo.ModelEventWatcher;
import org.ppruning.demo.SampleProducer;
import org.ppruning.local.RuntimeStatus;
import org.ppruning.local.Service;
import org.ppruning.stream.ModelEvent;
import org.ppruning.stream.ModelRepository;
import org.ppruning.stream.Topics;

/**
 * Issue 4's faults over a real broker, all in one run of the 3,000 sentiment sentences: the
 * profiler {@code kill -9}'d mid-stream and restarted, the pruner {@code kill -9}'d mid-stream
 * (after some checkpoints, before others) and restarted, and an activation-summary batch
 * redelivered byte for byte. The version written equals the fault-free reference (the batch path on
 * the same samples, which StreamingIT shows equal to a fault-free streamed run), exactly once.
 */
@Tag("system")
class FaultsIT {

  @Test
  void killedServicesAndARedeliveredBatchEndWithTheFaultFreeUnits() throws Exception {
    List<Sample> samples = SystemFixtures.sentimentSamples();
    var reference = SystemFixtures.batchKept(samples);

    // Checkpoints every 5 summary records, so the pruner's kill -9 loses work it must replay.
    // (The finetuner's training is off, as in StreamingIT.)
    try (LocalSystem sys =
            LocalSystem.start(
                null,
                List.of(
                    "-Dppruning.pruner.checkpoint.every-summaries=5", SystemFixtures.NO_TRAINING));
        ModelEventWatcher events = new ModelEventWatcher(sys.bootstrap());
        SampleProducer producer = new SampleProducer(sys.bootstrap())) {
      producer.ensureTopic();
      producer.send(TASK, samples.subList(0, 1500), n -> {});

      SystemFixtures.awaitMetric(
          sys,
          Service.PROFILER,
          "ppruning_profiler_samples_total",
          TASK_LABEL,
          v -> v >= 300,
          Duration.ofMinutes(10));
      kill9AndRestart(sys, Service.PROFILER);

      SystemFixtures.awaitMetric(
          sys,
          Service.PRUNER,
          "ppruning_pruner_samples",
          TASK_LABEL,
          v -> v >= 700,
          Duration.ofMinutes(10));
      kill9AndRestart(sys, Service.PRUNER);

      redeliverFirstSummary(sys.bootstrap());
      producer.send(TASK, samples.subList(1500, 3000), n -> {});

      ModelEvent v1 =
          SystemFixtures.awaitEvent(
              events, "pruned version after the faults", ModelEvent.PRUNED, Duration.ofMinutes(20));
      assertEquals(1, v1.version());
      assertEquals(3000, v1.samples(), "every sample counted once");
      SystemFixtures.assertSameUnits(
          reference,
          SystemFixtures.versionKept(SystemFixtures.folder(v1.path())),
          "version 1 after the faults vs the fault-free reference");
      assertTrue(
          SystemFixtures.metric(
                  sys, Service.PRUNER, "ppruning_pruner_summaries_total", "outcome=\"redelivered\"")
              >= 1,
          "the redelivered batch was recognised");
      List<ModelEvent> pruned = StreamingIT.awaitQuiet(events);
      assertEquals(1, pruned.size(), "one version, one event: " + pruned);
      ModelRepository repo =
          new ModelRepository(SystemFixtures.folder(v1.path()).getParent().getParent());
      assertEquals(List.of(1L), repo.versions(TASK));
    }
  }

  private static void kill9AndRestart(LocalSystem sys, Service s) throws Exception {
    long pid = SystemFixtures.kill9(sys, s);
    System.err.println("FaultsIT: killed " + s.id() + " (pid " + pid + "); restarting it");
    RuntimeStatus st = sys.up(); // up starts what is not running
    assertTrue(st.services().get(s).running());
    assertFalse(st.services().get(s).pid() == pid);
  }

  /** Reads the first record of the summaries topic and produces it again, same key and bytes. */
  private static void redeliverFirstSummary(String bootstrap) {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
    ConsumerRecord<byte[], byte[]> first = null;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts =
          consumer.partitionsFor(Topics.SUMMARIES).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (first == null && System.nanoTime() < deadline) {
        ConsumerRecords<byte[], byte[]> rs = consumer.poll(Duration.ofSeconds(1));
        for (ConsumerRecord<byte[], byte[]> r : rs) {
          if (r.offset() == 0) { // chunk 0 of the partition's first batch: statistics included
            first = r;
            break;
          }
        }
      }
    }
    assertTrue(first != null, "no summary record at offset 0 of " + Topics.SUMMARIES);
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer
          .send(
              new ProducerRecord<>(Topics.SUMMARIES, first.partition(), first.key(), first.value()))
          .get();
    } catch (Exception e) {
      throw new AssertionError("cannot redeliver the summary record: " + e.getMessage(), e);
    }
    System.err.println(
        "FaultsIT: redelivered " + Topics.SUMMARIES + "-" + first.partition() + "@0");
  }
}
