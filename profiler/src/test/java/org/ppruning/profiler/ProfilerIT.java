package org.ppruning.profiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ppruning.data.Sample;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TinyModels;
import org.ppruning.stream.BatchPlanner;
import org.ppruning.stream.DeadLetter;
import org.ppruning.stream.RejectReason;
import org.ppruning.summary.FeatureCollector;
import org.ppruning.summary.MergeResult;
import org.ppruning.summary.Summaries;
import org.ppruning.summary.SummaryState;
import org.ppruning.summary.proto.ActivationSummary;
import org.ppruning.summary.proto.SummaryConfig;
import org.ppruning.testing.FeatureAsserts;
import org.ppruning.testing.ServiceProcess;
import org.ppruning.tokenize.TextTokenizer;
import org.ppruning.tokenize.TokenizerFiles;

/**
 * The packaged profiler against the real test broker, on a tiny random BERT exported as a
 * SavedModel (24 positions, 50 words): dead letters, parity with the batch command, redelivery and
 * a SIGKILL mid-stream. Every test has its own topics and consumer group.
 */
class ProfilerIT {
  static final int K = 60;
  static final long SEED = 7;
  static final Duration WAIT = Duration.ofSeconds(120);

  static String bootstrap;
  static Admin admin;
  static Path modelDir;
  static TransformerModel model;
  static TextTokenizer tok;

  @BeforeAll
  static void setUp() throws Exception {
    bootstrap = System.getProperty("kafka.bootstrap.servers");
    assertNotNull(bootstrap, "kafka.bootstrap.servers is not set: run through `bin/mvn verify`");
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    admin = Admin.create(p);
    Path dir = Path.of("target/it-model").toAbsolutePath();
    Files.createDirectories(dir);
    List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
    for (int i = 0; vocab.size() < 50; i++) {
      vocab.add("w" + i);
    }
    Path tokenizer = dir.resolve("tokenizer.json");
    Files.writeString(tokenizer, TokenizerFiles.wordPieceJson(vocab, true));
    ModelSpec spec = TinyModels.bertSpec(2, 16, 4, 32);
    modelDir = dir.resolve("saved");
    try (TransformerModel m =
        TransformerModel.build(spec, TinyModels.randomWeights(spec, 5), tokenizer)) {
      m.export(modelDir, true);
    }
    model = TransformerModel.load(modelDir);
    tok = TextTokenizer.load(model.tokenizerJson());
  }

  @AfterAll
  static void tearDown() {
    if (admin != null) {
      admin.close();
    }
    if (model != null) {
      model.close();
    }
    if (tok != null) {
      tok.close();
    }
  }

  /** Fresh topic names for one test. */
  record Names(String samples, String dlq, String summaries, String group) {
    static Names fresh(String test) {
      String id = test + "-" + UUID.randomUUID().toString().substring(0, 8);
      return new Names(
          "it.samples." + id, "it.dlq." + id, "it.summaries." + id, "it-profiler-" + id);
    }
  }

  static Map<String, String> props(
      Names n, int batch, String linger, String extraKey, String extraValue) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("ppruning.profiler.default-model", modelDir.toString());
    p.put("ppruning.profiler.known-tasks", "sst2,cola");
    p.put("ppruning.profiler.seed", Long.toString(SEED));
    p.put("ppruning.profiler.tokens", Integer.toString(K));
    p.put("ppruning.profiler.batch-size", Integer.toString(batch));
    p.put("ppruning.profiler.linger", linger);
    p.put("ppruning.profiler.max-summary-bytes", "3000"); // tiny rows: several chunks
    p.put("ppruning.profiler.kafka.topics.samples", n.samples());
    p.put("ppruning.profiler.kafka.topics.dlq", n.dlq());
    p.put("ppruning.profiler.kafka.topics.summaries", n.summaries());
    p.put("ppruning.profiler.kafka.group", n.group());
    p.put("ppruning.profiler.work-dir", Path.of("target/work").toAbsolutePath().toString());
    if (extraKey != null) {
      p.put(extraKey, extraValue);
    }
    return p;
  }

  static void createSamplesTopic(Names n, int partitions) throws Exception {
    admin.createTopics(List.of(new NewTopic(n.samples(), partitions, (short) 1))).all().get();
  }

  static List<Sample> randomSamples(String prefix, int count, long seed) {
    Random r = new Random(seed);
    List<Sample> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      StringBuilder b = new StringBuilder();
      for (int j = 0, len = 1 + r.nextInt(20); j < len; j++) {
        b.append("w").append(r.nextInt(45)).append(' ');
      }
      out.add(new Sample(prefix + i, b.toString().strip(), null, null));
    }
    return out;
  }

  static String json(String task, Sample s) {
    return "{\"task\":\"" + task + "\",\"id\":\"" + s.id() + "\",\"text\":\"" + s.text() + "\"}";
  }

  /** Sends key/value pairs in order; returns their offsets. */
  static List<Long> send(String topic, List<byte[][]> keyValues) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 << 20);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    List<Long> offsets = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      for (byte[][] kv : keyValues) {
        RecordMetadata m = producer.send(new ProducerRecord<>(topic, kv[0], kv[1])).get();
        offsets.add(m.offset());
      }
    }
    return offsets;
  }

  static List<byte[][]> records(String task, List<Sample> samples) {
    List<byte[][]> out = new ArrayList<>();
    for (Sample s : samples) {
      out.add(new byte[][] {utf8(task), utf8(json(task, s))});
    }
    return out;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static SummaryConfig config(String task) {
    return Summaries.config(task, model.spec(), SEED, K);
  }

  /**
   * Reads {@code topic} from the beginning until {@code done} holds for what was read (checked
   * after each poll that brought records, and once at the end of the log).
   */
  static List<ConsumerRecord<byte[], byte[]>> readUntil(
      String topic, Predicate<List<ConsumerRecord<byte[], byte[]>>> done) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      long deadline = System.nanoTime() + WAIT.toNanos();
      List<TopicPartition> parts = List.of();
      while (parts.isEmpty()) {
        if (System.nanoTime() > deadline) {
          fail("topic " + topic + " never appeared");
        }
        parts =
            c.partitionsFor(topic).stream()
                .map(i -> new TopicPartition(topic, i.partition()))
                .toList();
      }
      c.assign(parts);
      c.seekToBeginning(parts);
      while (!done.test(out)) {
        if (System.nanoTime() > deadline) {
          fail(
              "read "
                  + out.size()
                  + " records of "
                  + topic
                  + " in "
                  + WAIT
                  + " without reaching the expected state");
        }
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  /** Every record of {@code topic} now in the log. */
  static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> parts =
          c.partitionsFor(topic).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          fail("did not reach the end offsets " + end + " of " + topic);
        }
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  /** Merges summary records into a state of {@code task}; outcomes in record order. */
  static SummaryState merge(
      String task, List<ConsumerRecord<byte[], byte[]>> records, List<MergeResult.Outcome> outcomes)
      throws Exception {
    SummaryState s = new SummaryState(config(task));
    for (ConsumerRecord<byte[], byte[]> r : records) {
      assertEquals(
          task, new String(r.key(), StandardCharsets.UTF_8), "summaries are keyed by task");
      MergeResult m = s.merge(ActivationSummary.parseFrom(r.value()));
      if (outcomes != null) {
        outcomes.add(m.outcome());
      }
    }
    return s;
  }

  /** Summary records until their merge counts {@code samples} samples and is complete. */
  static List<ConsumerRecord<byte[], byte[]>> summariesCovering(Names n, String task, int samples) {
    return readUntil(
        n.summaries(),
        rs -> {
          try {
            SummaryState s = merge(task, rs, null);
            return s.samples() == samples && s.complete();
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        });
  }

  static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    var h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  /** The packaged profiler (target/quarkus-app) with {@code props}, once it is ready. */
  static ServiceProcess start(Map<String, String> props, Path log) throws IOException {
    return ServiceProcess.start("profiler", "-Xmx1g", props, log, Duration.ofSeconds(120));
  }

  static Path log(String name) {
    return Path.of("target/failsafe-reports/profiler-" + name + ".log").toAbsolutePath();
  }

  @Test
  void everyBadInputGoesToTheDeadLetterTopicAndTheValidOnesAroundItAreProfiled() throws Exception {
    Names n = Names.fresh("dlq");
    createSamplesTopic(n, 1);
    Random r = new Random(1);
    StringBuilder longText = new StringBuilder();
    for (int i = 0; i < 30; i++) {
      longText.append("w").append(r.nextInt(45)).append(' ');
    }
    // [key, value, expected reason or null for valid]
    List<Object[]> cases =
        List.of(
            new Object[] {"sst2", "{\"task\":\"sst2\",\"id\":\"ok0\",\"text\":\"w1 w2 w3\"}", null},
            new Object[] {
              "sst2", "{\"task\":\"sst2\",\"id\":\"x\",\"text\":", RejectReason.MALFORMED_JSON
            },
            new Object[] {"sst2", "{\"id\":\"ok1\",\"text\":\"w4 w5\",\"label\":1}", null},
            new Object[] {
              "sst2",
              new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'},
              RejectReason.INVALID_UTF8
            },
            new Object[] {"sst2", "{\"task\":\"sst2\",\"id\":\"nt\"}", RejectReason.MISSING_TEXT},
            new Object[] {
              "sst2", "{\"task\":\"sst2\",\"id\":\"et\",\"text\":\" \"}", RejectReason.EMPTY_TEXT
            },
            new Object[] {"qqp", "{\"id\":\"ut\",\"text\":\"w1\"}", RejectReason.UNKNOWN_TASK},
            new Object[] {
              "sst2",
              "{\"task\":\"cola\",\"id\":\"km\",\"text\":\"w1\"}",
              RejectReason.TASK_KEY_MISMATCH
            },
            new Object[] {
              "sst2",
              "{\"task\":\"sst2\",\"id\":\"big\",\"text\":\"" + "w1 ".repeat(400) + "\"}",
              RejectReason.TOO_LARGE
            },
            new Object[] {
              "sst2",
              "{\"task\":\"sst2\",\"id\":\"long\",\"text\":\""
                  + longText.toString().strip()
                  + "\"}",
              RejectReason.TOO_LONG
            },
            new Object[] {
              "sst2",
              "{\"task\":\"sst2\",\"id\":\"bl\",\"text\":\"w1\",\"label\":[1]}",
              RejectReason.BAD_LABEL
            },
            new Object[] {
              "sst2", "{\"task\":\"sst2\",\"id\":\"uf\",\"txt\":\"w1\"}", RejectReason.UNKNOWN_FIELD
            },
            new Object[] {"sst2", "{\"task\":\"sst2\",\"text\":\"w1\"}", RejectReason.MISSING_ID},
            new Object[] {
              "sst2",
              "{\"task\":\"sst2\",\"id\":\"ctl\",\"text\":\"\\u0001\"}",
              RejectReason.NO_TOKENS
            },
            new Object[] {
              "sst2",
              "{\"task\":\"sst2\",\"id\":\"ok0\",\"text\":\"w9\"}",
              RejectReason.DUPLICATE_ID
            },
            new Object[] {"cola", "{\"id\":\"c0\",\"text\":\"w7 w8\"}", null},
            new Object[] {"sst2", "{\"task\":\"sst2\",\"id\":\"ok2\",\"text\":\"w6\"}", null});
    List<byte[][]> kvs = new ArrayList<>();
    for (Object[] c : cases) {
      byte[] v = c[1] instanceof byte[] b ? b : utf8((String) c[1]);
      kvs.add(new byte[][] {utf8((String) c[0]), v});
    }
    List<Long> offsets = send(n.samples(), kvs);
    Map<Long, RejectReason> expected = new HashMap<>();
    for (int i = 0; i < cases.size(); i++) {
      if (cases.get(i)[2] != null) {
        expected.put(offsets.get(i), (RejectReason) cases.get(i)[2]);
      }
    }

    try (ServiceProcess p =
        start(props(n, 32, "1s", "ppruning.profiler.max-record-bytes", "1000"), log("dlq"))) {
      List<ConsumerRecord<byte[], byte[]>> dead =
          readUntil(n.dlq(), rs -> rs.size() >= expected.size());
      assertEquals(expected.size(), dead.size());
      for (ConsumerRecord<byte[], byte[]> d : dead) {
        long offset = Long.parseLong(header(d, DeadLetter.SOURCE_OFFSET));
        int i = offsets.indexOf(offset);
        assertEquals(
            expected.get(offset).name(),
            header(d, DeadLetter.REASON),
            "reason of offset " + offset + ": " + header(d, DeadLetter.MESSAGE));
        assertEquals(n.samples(), header(d, DeadLetter.SOURCE_TOPIC));
        assertEquals("0", header(d, DeadLetter.SOURCE_PARTITION));
        assertNotNull(header(d, DeadLetter.SOURCE_TIMESTAMP));
        assertTrue(!header(d, DeadLetter.MESSAGE).isBlank());
        assertArrayEquals(kvs.get(i)[0], d.key(), "original key");
        assertArrayEquals(kvs.get(i)[1], d.value(), "original bytes");
      }
      ConsumerRecord<byte[], byte[]> tooLong =
          dead.stream()
              .filter(d -> "TOO_LONG".equals(header(d, DeadLetter.REASON)))
              .findFirst()
              .orElseThrow();
      assertTrue(
          header(tooLong, DeadLetter.MESSAGE).contains("sample 'long'")
              && header(tooLong, DeadLetter.MESSAGE)
                  .contains("32 tokens, more than the limit of 24"),
          header(tooLong, DeadLetter.MESSAGE));

      // The valid records around them: sst2 ok0, ok1, ok2 and cola c0.
      List<ConsumerRecord<byte[], byte[]>> summaries =
          readUntil(
              n.summaries(),
              rs -> {
                long sst2 =
                    rs.stream()
                        .filter(x -> "sst2".equals(new String(x.key(), StandardCharsets.UTF_8)))
                        .count();
                long cola =
                    rs.stream()
                        .filter(x -> "cola".equals(new String(x.key(), StandardCharsets.UTF_8)))
                        .count();
                return sst2 > 0 && cola > 0;
              });
      Map<String, List<ConsumerRecord<byte[], byte[]>>> byTask = new HashMap<>();
      for (var s : summaries) {
        byTask
            .computeIfAbsent(new String(s.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
            .add(s);
      }
      SummaryState sst2 = merge("sst2", byTask.get("sst2"), null);
      assertEquals(
          List.of("ok0", "ok1", "ok2"),
          ActivationSummary.parseFrom(byTask.get("sst2").get(0).value()).getSampleIdsList());
      assertEquals(3, sst2.samples());
      assertEquals(1, merge("cola", byTask.get("cola"), null).samples());

      for (RejectReason reason : expected.values()) {
        assertEquals(
            1.0,
            p.metric("ppruning_profiler_rejected_total", "reason=\"" + reason + "\"", 0),
            reason.name());
      }
      assertEquals(3.0, p.metric("ppruning_profiler_samples_total", "task=\"sst2\"", 0));
      assertEquals(1.0, p.metric("ppruning_profiler_samples_total", "task=\"cola\"", 0));
      assertEquals(cases.size(), p.metric("ppruning_profiler_records_total", "", 0));
      assertEquals(1.0, p.metric("ppruning_profiler_batch_latency_seconds_count", "", 0));
      assertEquals(0.0, p.metric("ppruning_profiler_consumer_lag", "", 0));
    }
  }

  @Test
  void streamedSummariesMergeToTheBatchCommandsFeaturesAndAReplayIsRecognised() throws Exception {
    Names n = Names.fresh("parity");
    createSamplesTopic(n, 3);
    List<Sample> samples = randomSamples("p", 60, 2);
    send(n.samples(), records("sst2", samples));
    ActivationFeatures batch =
        FeatureCollector.collect(model, tok, samples, K, SEED, 8, System.err);

    List<ConsumerRecord<byte[], byte[]>> first;
    try (ServiceProcess p = start(props(n, 8, "3s", null, null), log("parity"))) {
      first = summariesCovering(n, "sst2", 60);
    }
    SummaryState state = merge("sst2", first, null);
    FeatureAsserts.assertSameFeatures(batch, state.toFeatures());
    assertEquals(
        8, state.batches(), "7 batches of 8 and one of 4 (by record count, not poll timing)");
    for (var r : first) {
      assertTrue(r.value().length <= 3000, "bounded summary record: " + r.value().length);
    }

    // Replay: a new group reads the samples from offset 0 again, in a fresh process.
    Names again = new Names(n.samples(), n.dlq(), n.summaries(), n.group() + "-again");
    List<ConsumerRecord<byte[], byte[]>> all;
    try (ServiceProcess p = start(props(again, 8, "3s", null, null), log("replay"))) {
      all = readUntil(n.summaries(), rs -> rs.size() >= 2 * first.size());
    }
    assertEquals(2 * first.size(), all.size());
    for (int i = 0; i < first.size(); i++) {
      assertArrayEquals(
          first.get(i).value(),
          all.get(first.size() + i).value(),
          "replayed record " + i + " has the same bytes");
    }
    List<MergeResult.Outcome> outcomes = new ArrayList<>();
    SummaryState twice = merge("sst2", all, outcomes);
    for (int i = first.size(); i < all.size(); i++) {
      assertEquals(MergeResult.Outcome.REDELIVERED, outcomes.get(i), "replayed record " + i);
    }
    assertArrayEquals(
        state.toProto().toByteArray(), twice.toProto().toByteArray(), "nothing counted twice");
  }

  @Test
  void aBatchStartedAndNotCommittedIsRedoneExactlyFromItsCommitPlan() throws Exception {
    Names n = Names.fresh("plan");
    createSamplesTopic(n, 1);
    List<Sample> samples = randomSamples("q", 20, 3);
    send(n.samples(), records("sst2", samples));
    // What a profiler that died after producing the batch [0, 5) leaves behind.
    Properties cp = new Properties();
    cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    cp.put(ConsumerConfig.GROUP_ID_CONFIG, n.group());
    cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp)) {
      c.commitSync(
          Map.of(
              new TopicPartition(n.samples(), 0),
              new OffsetAndMetadata(0, BatchPlanner.PLAN_PREFIX + 5)));
    }
    try (ServiceProcess p = start(props(n, 8, "3s", null, null), log("plan"))) {
      List<ConsumerRecord<byte[], byte[]>> out = summariesCovering(n, "sst2", 20);
      List<List<String>> batches = new ArrayList<>();
      for (var r : out) {
        ActivationSummary s = ActivationSummary.parseFrom(r.value());
        if (s.getChunk() == 0) {
          batches.add(s.getSampleIdsList());
        }
      }
      assertEquals(List.of("q0", "q1", "q2", "q3", "q4"), batches.get(0), "the planned batch");
      assertEquals(List.of(5, 8, 7), batches.stream().map(List::size).toList());
      assertEquals(1.0, p.metric("ppruning_profiler_replayed_batches_total", "", 0));
      FeatureAsserts.assertSameFeatures(
          FeatureCollector.collect(model, tok, samples, K, SEED, 8, System.err),
          merge("sst2", out, null).toFeatures());
    }
  }

  @Test
  void killedMidStreamAndRestartedGivesTheFaultFreeState() throws Exception {
    Names n = Names.fresh("kill");
    createSamplesTopic(n, 1);
    List<Sample> samples = randomSamples("k", 400, 4);
    send(n.samples(), records("sst2", samples));
    ServiceProcess p = start(props(n, 4, "3s", null, null), log("kill"));
    try {
      readUntil(n.summaries(), rs -> rs.size() >= 10); // well under way
    } finally {
      p.kill();
    }
    List<ConsumerRecord<byte[], byte[]>> beforeKill = readAll(n.summaries());
    SummaryState partial = merge("sst2", beforeKill, null);
    assertTrue(
        partial.samples() >= 4 && partial.samples() < 400,
        "killed after some batches and before the end: " + partial.samples());

    try (ServiceProcess again = start(props(n, 4, "3s", null, null), log("kill-restart"))) {
      List<ConsumerRecord<byte[], byte[]>> all = summariesCovering(n, "sst2", 400);
      List<MergeResult.Outcome> outcomes = new ArrayList<>();
      SummaryState state = merge("sst2", all, outcomes);
      FeatureAsserts.assertSameFeatures(
          FeatureCollector.collect(model, tok, samples, K, SEED, 8, System.err),
          state.toFeatures());
      assertEquals(400, state.samples(), "every sample counted once");
      System.out.printf(
          "kill test: %d records before the kill (%d samples), %d in all,"
              + " %d redelivered, replayed batches %.0f%n",
          beforeKill.size(),
          partial.samples(),
          all.size(),
          outcomes.stream().filter(o -> o == MergeResult.Outcome.REDELIVERED).count(),
          again.metric("ppruning_profiler_replayed_batches_total", "", 0));
    }
  }
}
