package org.ppruning.pruner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.ppruning.stream.RepositoryAssertions.assertSameUnits;
import static org.ppruning.stream.RepositoryAssertions.assertSameVersions;
import static org.ppruning.stream.RepositoryAssertions.versions;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.function.LongPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.data.Sample;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.LayerSpec;
import org.ppruning.model.ModelLayout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TinyModels;
import org.ppruning.model.TokenizerSpec;
import org.ppruning.pruning.clustering.LinkageMode;
import org.ppruning.pruning.compensation.CompensationSettings;
import org.ppruning.pruning.run.Method;
import org.ppruning.pruning.run.PruneRun;
import org.ppruning.pruning.run.PruneSettings;
import org.ppruning.stream.ModelEvent;
import org.ppruning.stream.ModelRepository;
import org.ppruning.stream.PrunerCheckpoint.Partition;
import org.ppruning.stream.PrunerEngine;
import org.ppruning.summary.FeatureCollector;
import org.ppruning.summary.ProfileBatch;
import org.ppruning.summary.Summaries;
import org.ppruning.summary.SummaryBuilder;
import org.ppruning.summary.TokenizedSample;
import org.ppruning.summary.proto.ActivationSummary;
import org.ppruning.summary.proto.SummaryConfig;
import org.ppruning.testing.OutputError;
import org.ppruning.testing.Positions;
import org.ppruning.testing.ServiceProcess;
import org.ppruning.tokenize.TextTokenizer;
import org.ppruning.tokenize.TokenizerFiles;

/**
 * The packaged pruner against the real broker, on summaries of a tiny random BERT made in-process:
 * versions equal the batch path and the core engine fed the same records; redelivered batches and a
 * kill -9 count nothing twice.
 */
class PrunerServiceIT {
  static final String TASK = "sst2";
  static final int K = 60;
  static final long SEED = 7;
  static final PruneSettings SETTINGS =
      PruneSettings.builder()
          .method(Method.P_PRUNING)
          .linkage(LinkageMode.REFERENCE)
          .flopsKeep(0.6)
          .lambda(5)
          .seed(SEED)
          .tokens(K)
          .build();

  @TempDir static Path tmp;
  static Path modelDir;
  static TransformerModel model;
  static TextTokenizer tok;
  static List<Sample> samples;
  static List<TokenizedSample> tokenized;

  @BeforeAll
  static void setUp() throws Exception {
    Path tokFile =
        Files.writeString(
            tmp.resolve("tokenizer.json"), TokenizerFiles.wordPieceJson(TinyModels.VOCAB, true));
    ModelSpec spec =
        TinyModels.bertSpec(2, 16, 4, 32).withTokenizer(new TokenizerSpec("wordpiece", true));
    modelDir = tmp.resolve("tiny");
    try (TransformerModel m =
        TransformerModel.build(spec, TinyModels.randomWeights(spec, 5), tokFile)) {
      m.export(modelDir, false);
    }
    model = TransformerModel.load(modelDir);
    tok = TextTokenizer.load(model.tokenizerJson());
    Random r = new Random(3);
    samples = new ArrayList<>();
    tokenized = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      StringBuilder b = new StringBuilder();
      for (int j = 0, len = 1 + r.nextInt(20); j < len; j++) {
        b.append("w").append(r.nextInt(45)).append(' ');
      }
      Sample s = new Sample("s" + i, b.toString().strip(), null, null);
      samples.add(s);
      var t = tok.encode(List.of(s.text()), null, model.spec().maxPositions());
      tokenized.add(new TokenizedSample(s.id(), t.inputIds(), t.tokenTypeIds()));
    }
  }

  @AfterAll
  static void tearDown() {
    model.close();
    tok.close();
  }

  static String bootstrap() {
    String b = System.getProperty("kafka.bootstrap.servers");
    assertNotNull(b, "run through `bin/mvn verify`, which starts the test broker");
    return b;
  }

  /** Summaries of {@code from..to} samples by one streaming builder, polls of 7, small chunks. */
  static List<ActivationSummary> summaries(SummaryBuilder b, int from, int to) {
    List<ActivationSummary> out = new ArrayList<>();
    for (int i = from; i < to; i += 7) {
      out.addAll(
          Positions.of(
              b.profile(
                  model,
                  ProfileBatch.group(
                      tokenized.subList(i, Math.min(to, i + 7)), b.config(), tok.padId()))));
    }
    return out;
  }

  static SummaryConfig config() {
    return Summaries.config(TASK, model.spec(), SEED, K);
  }

  Map<String, String> settings(Path work, String topic, long min, long every) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("work-dir", work.toString());
    s.put("repository", work.resolve("models").toString());
    s.put("state-dir", work.resolve("state").toString());
    s.put("default-model", modelDir.toString());
    s.put("seed", "" + SEED);
    s.put("tokens", "" + K);
    s.put("flops-keep", "0.6");
    s.put("min-samples", "" + min);
    s.put("every-samples", "" + every);
    s.put("min-change", "0");
    s.put("checkpoint.every-summaries", "1000000"); // only after versions and at shutdown
    s.put("checkpoint.interval", "1h");
    s.put("kafka.topics.summaries", topic);
    s.put("kafka.topics.models", topic + ".models");
    s.put("kafka.group", "it-" + topic);
    s.put("kafka.partitions", "1");
    s.put("kafka.consumer.\"session.timeout.ms\"", "6000");
    s.put("kafka.consumer.\"heartbeat.interval.ms\"", "1000");
    return s;
  }

  static void produce(String topic, List<ActivationSummary> records) throws Exception {
    produce(topic, records, TASK);
  }

  static void produce(String topic, List<ActivationSummary> records, String key) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
      for (ActivationSummary s : records) {
        producer.send(new ProducerRecord<>(topic, key, s.toByteArray())).get();
      }
    }
  }

  static void createTopic(String topic) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    try (Admin admin = Admin.create(p)) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }
  }

  /** Every model event on {@code topic} so far. */
  static List<ModelEvent> events(String topic) {
    return events(topic, TASK);
  }

  static List<ModelEvent> events(String topic, String task) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    List<ModelEvent> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> parts =
          c.partitionsFor(topic).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        c.poll(Duration.ofMillis(200))
            .forEach(
                r -> {
                  assertEquals(task, r.key(), "event key is the task");
                  out.add(ModelEvent.fromJson(r.value()));
                });
      }
    }
    return out;
  }

  /** The packaged pruner with {@code ppruning.pruner.*} settings (keys without the prefix). */
  static ServiceProcess start(Map<String, String> settings, Path log) throws IOException {
    Map<String, String> props = new LinkedHashMap<>();
    settings.forEach((k, v) -> props.put("ppruning.pruner." + k, v));
    return ServiceProcess.start("pruner", "-Xmx3g", props, log, Duration.ofMinutes(3));
  }

  /** Waits until the samples gauge of {@code task} satisfies {@code until}; returns it. */
  static long awaitSamples(ServiceProcess app, String task, LongPredicate until, Duration max)
      throws IOException {
    long end = System.nanoTime() + max.toNanos();
    double v = Double.NaN;
    while (System.nanoTime() < end) {
      v = app.metric("ppruning_pruner_samples", "task=\"" + task + "\"");
      if (!Double.isNaN(v) && until.test((long) v)) {
        return (long) v;
      }
      if (!app.isAlive()) {
        fail("pruner died; log " + app.log() + ":\n" + app.tail());
      }
      ServiceProcess.sleep(100);
    }
    fail("samples of " + task + " stayed at " + v + " for " + max + "; log:\n" + app.tail());
    return -1;
  }

  static List<ModelEvent> awaitEvents(String topic, int n, ServiceProcess app) throws Exception {
    return awaitEvents(topic, n, app, Duration.ofMinutes(2), TASK);
  }

  static List<ModelEvent> awaitEvents(
      String topic, int n, ServiceProcess app, Duration max, String task) throws Exception {
    long end = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < end) {
      List<ModelEvent> e = events(topic, task);
      if (e.size() >= n) {
        return e;
      }
      ServiceProcess.sleep(200);
    }
    fail("fewer than " + n + " model events on " + topic + "; log:\n" + app.tail());
    return null;
  }

  /** What the core engine makes of the same records in the same order: kept units by version. */
  static List<List<LayerSpec>> expected(List<ActivationSummary> records, long min, long every)
      throws IOException {
    Path root = Files.createTempDirectory(tmp, "expected");
    ModelSpec spec = model.spec();
    var weights = model.readWeights();
    PrunerEngine e =
        new PrunerEngine(
            new ModelRepository(root),
            new PrunerEngine.Settings(SETTINGS, min, every, 0),
            task -> new PrunerEngine.Base("tiny", spec, weights, model.tokenizerJson()));
    for (int i = 0; i < records.size(); i++) {
      e.accept(TASK, records.get(i), new Partition("t", 0), i);
      if (e.due(TASK)) {
        e.prune(TASK);
      }
    }
    return versions(root, TASK);
  }

  @Test
  void versionsMatchTheBatchPathAndARedeliveredBatchIsNotCounted() throws Exception {
    String topic = "it.summaries." + UUID.randomUUID();
    createTopic(topic);
    Path work = tmp.resolve("run-" + topic);
    SummaryBuilder b = new SummaryBuilder(config(), 3_000);
    List<ActivationSummary> first = summaries(b, 0, 60);
    List<ActivationSummary> all = new ArrayList<>(first);
    produce(topic, first);
    try (ServiceProcess app =
        start(settings(work, topic, 60, 15), Path.of("target/it-logs/" + topic + ".log"))) {
      // First pruning once the 60 samples are in: the batch command's units.
      ModelEvent v1 = awaitEvents(topic + ".models", 1, app).get(0);
      assertEquals(1, v1.version());
      assertEquals(60, v1.samples());
      assertEquals(ModelEvent.PRUNED, v1.stage());
      assertTrue(v1.reason().startsWith("first pruning"), v1.reason());
      Path dir = Path.of(URI.create(v1.path()));
      assertEquals(work.resolve("models").resolve(TASK).resolve("1").toAbsolutePath(), dir);
      ActivationFeatures batch =
          FeatureCollector.collect(model, tok, samples.subList(0, 60), K, SEED, 8, System.err);
      PruneRun run =
          PruneRun.plan(model.spec(), model.readWeights(), batch, SETTINGS, "batch", Map.of());
      try (TransformerModel loaded = TransformerModel.load(dir)) {
        assertSameUnits(run.kept(), loaded.spec().layers(), "version 1 vs batch");
        assertEquals(
            loaded.spec().headsPerLayer(),
            v1.layers().stream().map(ModelEvent.Width::heads).toList());
      }
      FileTime v1Time = Files.getLastModifiedTime(dir.resolve("saved_model.pb"));

      // A batch redelivered (the first poll's records again), then 40 new samples.
      List<ActivationSummary> again =
          first.stream()
              .filter(s -> s.getSampleIdsList().equals(first.get(0).getSampleIdsList()))
              .toList();
      List<ActivationSummary> more = new ArrayList<>(again);
      more.addAll(summaries(b, 60, 100));
      all.addAll(more);
      produce(topic, more);
      assertEquals(100, awaitSamples(app, TASK, n -> n >= 100, Duration.ofMinutes(1)));
      List<List<LayerSpec>> want = expected(all, 60, 15);
      assertTrue(want.size() >= 2, "the selection changed at a re-clustering: " + want.size());
      List<ModelEvent> events = awaitEvents(topic + ".models", want.size(), app);
      ServiceProcess.sleep(1500);
      assertEquals(
          100,
          (long) app.metric("ppruning_pruner_samples", "task=\"" + TASK + "\""),
          "the redelivered batch was not counted again");
      assertEquals(
          again.size(),
          (long) app.metric("ppruning_pruner_summaries_total", "outcome=\"redelivered\""),
          "redelivered records seen");
      Path repo = work.resolve("models");
      assertSameVersions(want, versions(repo, TASK));
      assertEquals(want.size(), events(topic + ".models").size(), "one event per version");
      for (int v = 0; v < events.size(); v++) {
        assertEquals(v + 1, events.get(v).version());
      }
      assertEquals(
          v1Time,
          Files.getLastModifiedTime(dir.resolve("saved_model.pb")),
          "version 1 was never overwritten");
      assertEquals(
          want.size(),
          (long) app.metric("ppruning_pruner_versions_written_total", "task=\"" + TASK + "\""));
      assertTrue(
          app.metric("ppruning_pruner_recluster_last_duration_seconds", "task=\"" + TASK + "\"")
              > 0);
    }
  }

  @Test
  void killNineMidStreamAndRestartEqualsTheFaultFreeRun() throws Exception {
    String topic = "it.summaries." + UUID.randomUUID();
    createTopic(topic);
    Path work = tmp.resolve("run-" + topic);
    SummaryBuilder b = new SummaryBuilder(config(), 3_000);
    List<ActivationSummary> head = summaries(b, 0, 49);
    List<ActivationSummary> tail = summaries(b, 49, 100);
    List<ActivationSummary> all = new ArrayList<>(head);
    all.addAll(tail);
    List<List<LayerSpec>> want = expected(all, 30, 10);
    assertTrue(want.size() >= 2, "several versions expected: " + want.size());

    produce(topic, head);
    Path log = Path.of("target/it-logs/" + topic + ".log");
    ServiceProcess app = start(settings(work, topic, 30, 10), log);
    try {
      awaitSamples(app, TASK, n -> n >= 49, Duration.ofMinutes(1));
      ServiceProcess.sleep(500);
    } finally {
      app.kill();
    }
    // Records merged after the last checkpoint are lost with the process; the restart reads
    // them again from the checkpointed offsets.
    produce(topic, tail);
    try (ServiceProcess again = start(settings(work, topic, 30, 10), log)) {
      assertEquals(100, awaitSamples(again, TASK, n -> n >= 100, Duration.ofMinutes(1)));
      awaitEvents(topic + ".models", want.size(), again);
      ServiceProcess.sleep(1500);
      assertEquals(
          100,
          (long) again.metric("ppruning_pruner_samples", "task=\"" + TASK + "\""),
          "nothing counted twice");
      assertSameVersions(want, versions(work.resolve("models"), TASK));
      // The restart resumed from the checkpoint, not from the start: records after it (if the kill
      // came between checkpoints) were merged once before the kill and once after, counted once.
      Matcher m =
          Pattern.compile(
                  "state restored from .*offsets \\{" + Pattern.quote(topic) + "-0=(\\d+)\\}")
              .matcher(Files.readString(again.log()));
      assertTrue(m.find(), "restart log names the checkpointed offset:\n" + again.tail());
      long resumed = Long.parseLong(m.group(1));
      assertTrue(
          resumed > 0 && resumed <= head.size(),
          "resumed at " + resumed + " of " + head.size() + " head records");
      List<Long> published =
          events(topic + ".models").stream().map(ModelEvent::version).distinct().toList();
      assertEquals(
          LongStream.rangeClosed(1, want.size()).boxed().toList(),
          published,
          "every version's event was published");
    }
  }

  @Test
  void compensationKeysWriteAVersionCloserToTheOriginal() throws Exception {
    String topic = "it.summaries." + UUID.randomUUID();
    createTopic(topic);
    Path work = tmp.resolve("run-" + topic);
    int rows = 400;
    SummaryConfig c = Summaries.withCompensationRows(config(), rows);
    List<ActivationSummary> records = summaries(new SummaryBuilder(c, 3_000), 0, 100);
    produce(topic, records);
    Map<String, String> s = settings(work, topic, 100, 1000);
    s.put("compensation", "least-squares");
    s.put("compensation-rows", "" + rows);
    Path dir;
    try (ServiceProcess app = start(s, Path.of("target/it-logs/" + topic + ".log"))) {
      ModelEvent v1 = awaitEvents(topic + ".models", 1, app).get(0);
      assertEquals(100, v1.samples());
      dir = Path.of(URI.create(v1.path()));
    }
    // the same records without compensation, through the core engine
    Path plainRoot = Files.createTempDirectory(tmp, "plain");
    ModelSpec spec = model.spec();
    var weights = model.readWeights();
    PrunerEngine e =
        new PrunerEngine(
            new ModelRepository(plainRoot),
            new PrunerEngine.Settings(
                SETTINGS, 100, 1000, 0, CompensationSettings.Mode.NONE, rows, 1e-2),
            task -> new PrunerEngine.Base("tiny", spec, weights, model.tokenizerJson()));
    for (int i = 0; i < records.size(); i++) {
      e.accept(TASK, records.get(i), new Partition("t", 0), i);
    }
    e.prune(TASK);
    var batch = OutputError.batch(tok, OutputError.tinyTexts(40, 99), spec.maxPositions());
    try (TransformerModel ls = TransformerModel.load(dir);
        TransformerModel plain = TransformerModel.load(plainRoot.resolve(TASK).resolve("1"))) {
      assertSameUnits(plain.spec().layers(), ls.spec().layers(), "compensation keeps the units");
      String kernel = ModelLayout.of(ls.spec()).ffnProjection(1).kernel();
      assertTrue(
          !plain.readWeights().get(kernel).equals(ls.readWeights().get(kernel)),
          "the kept rows were compensated");
      double errPlain = OutputError.relative(plain, model, batch);
      double errLs = OutputError.relative(ls, model, batch);
      System.out.printf(
          "service: held-out sequence_output relative error plain %.4f, least-squares %.4f%n",
          errPlain, errLs);
      assertTrue(errPlain > 0.05, "pruning changed the output: " + errPlain);
      assertTrue(errLs < 0.3 * errPlain, "compensated " + errLs + " vs plain " + errPlain);
    }
  }
}
