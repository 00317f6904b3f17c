package org.ppruning.profiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real Kafka broker the streaming services build on: started by deploy/kafka/kafka.sh in
 * pre-integration-test (see the parent pom), reached at the system property {@code
 * kafka.bootstrap.servers}. Plain kafka-clients (the version the Quarkus BOM picks), no mocks.
 */
class KafkaBrokerIT {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private static String bootstrap;
  private static Admin admin;

  @BeforeAll
  static void connect() {
    bootstrap = System.getProperty("kafka.bootstrap.servers");
    assertNotNull(
        bootstrap,
        "kafka.bootstrap.servers is not set: run through `bin/mvn verify` (failsafe), "
            + "which starts the broker with deploy/kafka/kafka.sh");
    assertTrue(
        bootstrap.startsWith("127.0.0.1:"),
        "the test broker listens on loopback only: " + bootstrap);
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
    admin = Admin.create(p);
  }

  @AfterAll
  static void disconnect() {
    if (admin != null) {
      admin.close(Duration.ofSeconds(5));
    }
  }

  @Test
  void brokerIsOneLoopbackNodeWithTheTestSettings() throws Exception {
    Collection<Node> nodes = admin.describeCluster().nodes().get();
    assertEquals(1, nodes.size(), "single-node cluster");
    Node node = nodes.iterator().next();
    assertEquals(
        bootstrap,
        node.host() + ":" + node.port(),
        "the broker advertises the loopback address it listens on");

    ConfigResource broker =
        new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(node.id()));
    Config config = admin.describeConfigs(List.of(broker)).all().get().get(broker);
    Map<String, String> expected =
        Map.of(
            "auto.create.topics.enable", "false",
            "num.partitions", "1",
            "offsets.topic.replication.factor", "1",
            "transaction.state.log.replication.factor", "1",
            "transaction.state.log.min.isr", "1",
            "group.initial.rebalance.delay.ms", "0");
    expected.forEach((name, value) -> assertEquals(value, config.get(name).value(), name));
  }

  @Test
  void keyedRecordsRoundTripAndCommittedOffsetsSurviveAConsumerRestart() throws Exception {
    String topic = "ppruning.it.samples." + UUID.randomUUID();
    admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
    assertTrue(admin.listTopics().names().get().contains(topic), "topic listed after creation");
    TopicDescription description =
        admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
    assertEquals(3, description.partitions().size(), "partitions");

    // 100 keyed records (10 keys) from an idempotent producer.
    Map<String, List<String>> sentByKey = new LinkedHashMap<>();
    Map<String, Set<Integer>> partitionsByKey = new HashMap<>();
    try (KafkaProducer<String, String> producer = producer(Map.of())) {
      List<Future<RecordMetadata>> acks = new ArrayList<>();
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        String key = "task-" + (i % 10);
        String value = "{\"id\":\"" + i + "\",\"text\":\"sample " + i + "\"}";
        sentByKey.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        keys.add(key);
        acks.add(producer.send(new ProducerRecord<>(topic, key, value)));
      }
      producer.flush();
      for (int i = 0; i < acks.size(); i++) {
        RecordMetadata m = acks.get(i).get();
        partitionsByKey.computeIfAbsent(keys.get(i), k -> new HashSet<>()).add(m.partition());
      }
    }
    partitionsByKey.forEach(
        (key, parts) -> assertEquals(1, parts.size(), "one partition per key: " + key));
    Set<Integer> used =
        partitionsByKey.values().stream().flatMap(Set::stream).collect(Collectors.toSet());
    assertTrue(used.size() >= 2, "10 keys spread over the 3 partitions, used: " + used);

    // A consumer group reads them all back and commits.
    String group = "ppruning-it-" + UUID.randomUUID();
    Map<String, List<String>> receivedByKey = new LinkedHashMap<>();
    try (KafkaConsumer<String, String> consumer = consumer(group, "read_uncommitted")) {
      consumer.subscribe(List.of(topic));
      for (ConsumerRecord<String, String> r : pollUntil(consumer, 100)) {
        receivedByKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value());
        assertTrue(
            partitionsByKey.get(r.key()).contains(r.partition()),
            "record read from the partition it was written to");
      }
      assertNothingMore(consumer, Duration.ofMillis(500));
      consumer.commitSync();
    }
    // Same records, and per key in the order they were sent.
    assertEquals(sentByKey, receivedByKey);

    Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    assertEquals(
        100L,
        committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum(),
        "committed offsets cover all 100 records: " + committed);

    // Five more records, then a new consumer in the same group: it starts at the committed
    // offsets, so it sees exactly the five new ones and nothing old.
    List<String> fresh = new ArrayList<>();
    try (KafkaProducer<String, String> producer = producer(Map.of())) {
      for (int i = 100; i < 105; i++) {
        String value = "{\"id\":\"" + i + "\",\"text\":\"sample " + i + "\"}";
        fresh.add(value);
        producer.send(new ProducerRecord<>(topic, "task-" + (i % 10), value)).get();
      }
    }
    try (KafkaConsumer<String, String> consumer = consumer(group, "read_uncommitted")) {
      consumer.subscribe(List.of(topic));
      List<String> got =
          pollUntil(consumer, 5).stream().map(ConsumerRecord::value).sorted().toList();
      assertNothingMore(consumer, Duration.ofSeconds(1));
      assertEquals(
          fresh.stream().sorted().toList(), got, "only the records produced after the commit");
    }
  }

  @Test
  void abortedTransactionsAreInvisibleToReadCommittedConsumers() throws Exception {
    String topic = "ppruning.it.tx." + UUID.randomUUID();
    admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();

    List<String> committedValues = new ArrayList<>();
    List<String> abortedValues = new ArrayList<>();
    try (KafkaProducer<String, String> producer =
        producer(
            Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "ppruning-it-tx-" + UUID.randomUUID()))) {
      producer.initTransactions();
      producer.beginTransaction();
      for (int i = 0; i < 10; i++) {
        abortedValues.add("aborted-" + i);
        producer.send(new ProducerRecord<>(topic, "k" + i, "aborted-" + i));
      }
      producer.flush(); // the aborted records are in the log, not just in the client's buffer
      producer.abortTransaction();

      producer.beginTransaction();
      for (int i = 0; i < 10; i++) {
        committedValues.add("committed-" + i);
        producer.send(new ProducerRecord<>(topic, "k" + i, "committed-" + i));
      }
      producer.commitTransaction();
    }

    List<String> readCommitted = readAll(topic, "read_committed");
    assertEquals(
        sorted(committedValues),
        sorted(readCommitted),
        "read_committed sees the committed transaction only");

    // Control: the aborted records really were written (so the assertion above can fail).
    List<String> readUncommitted = readAll(topic, "read_uncommitted");
    List<String> all = new ArrayList<>(abortedValues);
    all.addAll(committedValues);
    assertEquals(
        sorted(all), sorted(readUncommitted), "read_uncommitted also sees the aborted records");
  }

  // --- helpers ------------------------------------------------------------------------------

  private static KafkaProducer<String, String> producer(Map<String, Object> extra) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.putAll(extra);
    return new KafkaProducer<>(p);
  }

  private static KafkaConsumer<String, String> consumer(String group, String isolation) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    if (group != null) {
      p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    }
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    return new KafkaConsumer<>(p);
  }

  /** Polls until {@code count} records arrived; fails after {@link #WAIT}. */
  private static List<ConsumerRecord<String, String>> pollUntil(
      KafkaConsumer<String, String> consumer, int count) {
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (out.size() < count) {
      if (System.nanoTime() > deadline) {
        fail("got " + out.size() + " of " + count + " records within " + WAIT);
      }
      consumer.poll(Duration.ofMillis(200)).forEach(out::add);
    }
    assertEquals(count, out.size(), "exactly " + count + " records");
    return out;
  }

  private static void assertNothingMore(KafkaConsumer<String, String> consumer, Duration during) {
    long deadline = System.nanoTime() + during.toNanos();
    while (System.nanoTime() < deadline) {
      var more = consumer.poll(Duration.ofMillis(100));
      assertTrue(more.isEmpty(), "unexpected extra records: " + more.count());
    }
  }

  /**
   * Every record a consumer with this isolation level can read, from the beginning to the end
   * offsets.
   */
  private static List<String> readAll(String topic, String isolation) {
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = consumer(null, isolation)) {
      List<TopicPartition> parts =
          consumer.partitionsFor(topic).stream()
              .map(pi -> new TopicPartition(topic, pi.partition()))
              .toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      // For read_committed these are the last stable offsets.
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          fail("did not reach the end offsets " + end + " within " + WAIT);
        }
        consumer.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.value()));
      }
    }
    return out;
  }

  private static List<String> sorted(List<String> values) {
    return values.stream().sorted().toList();
  }
}
