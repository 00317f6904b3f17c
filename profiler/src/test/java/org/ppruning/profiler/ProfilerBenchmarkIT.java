package org.ppruning.profiler;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ppruning.data.Sample;
import org.ppruning.data.Tasks;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.ModelLoader;
import org.ppruning.service.KafkaClients;
import org.ppruning.service.KafkaSettings;
import org.ppruning.service.KafkaTracing;
import org.ppruning.service.RestartLoop;
import org.ppruning.stream.ProfilerEngine;
import org.ppruning.stream.SampleRecords;
import org.ppruning.summary.ProfileBatch;
import org.ppruning.summary.SampleEncoding;
import org.ppruning.summary.Summaries;
import org.ppruning.summary.TokenizedSample;
import org.ppruning.tokenize.TextTokenizer;

/**
 * Profiler throughput (run by {@code bench/profiler}): the full path (consume from Kafka, validate,
 * profile with capture, produce summaries, wait for acks, commit) against the plain forward pass
 * ({@code serving_default}) on the same batches, in one JVM, on MiniLM and the sentiment task's
 * real sentences. Prints lines starting with {@code bench:}.
 */
@Tag("bench")
class ProfilerBenchmarkIT {
  static final String TASK = "sentiment";

  @Test
  void profilerThroughputAgainstThePlainForwardPass() throws Exception {
    String bootstrap = System.getProperty("kafka.bootstrap.servers");
    String modelName = System.getProperty("bench.model", "all-minilm-l6-v2");
    int limit = Integer.getInteger("bench.samples", 2412);
    int batch = Integer.getInteger("bench.batch", 256); // records per batch (one summary)
    int runSize = Integer.getInteger("bench.run", 8); // rows per profile run
    ArtifactCache cache = ArtifactCache.fromEnvironment(System.getenv(), System.getProperties());
    List<Sample> all = Tasks.samples(TASK, cache, System.err);
    List<Sample> samples = all.subList(0, Math.min(limit, all.size()));
    // Warm-up on 1,024 of them: the profiler's Java path (Kafka clients, protobuf, the
    // summary builder) must be compiled by the JIT before it is timed, as in a service
    // that has been running for a while.
    List<Sample> warm = all.subList(all.size() - 1024, all.size());
    try (TransformerModel model = ModelLoader.open(modelName, cache);
        TextTokenizer tok = TextTokenizer.load(model.tokenizerJson())) {
      print(
          "model %s, %d %s samples, batch %d, run %d, %d cores, k %d, seed %d",
          modelName,
          samples.size(),
          TASK,
          batch,
          runSize,
          Runtime.getRuntime().availableProcessors(),
          ProfilerEngine.Settings.defaults().tokens(),
          ProfilerEngine.Settings.defaults().seed());
      String samplesTopic = "bench.samples." + UUID.randomUUID().toString().substring(0, 8);
      String warmTopic = samplesTopic + ".warm";
      try (Admin admin =
          Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, (Object) bootstrap))) {
        admin
            .createTopics(
                List.of(
                    new NewTopic(samplesTopic, 1, (short) 1),
                    new NewTopic(warmTopic, 1, (short) 1),
                    new NewTopic(samplesTopic + ".dlq", 1, (short) 1),
                    new NewTopic(samplesTopic + ".summaries", 1, (short) 1)
                        .configs(Map.of("max.message.bytes", "1048576"))))
            .all()
            .get();
      }
      produce(bootstrap, warmTopic, warm);
      produce(bootstrap, samplesTopic, samples);

      // Warm-up: both paths once on other sentences.
      runProfiler(bootstrap, warmTopic, samplesTopic, model, tok, warm.size(), batch, runSize);
      serve(model, tok, warm, batch, runSize);
      profileOnly(model, tok, warm, batch, runSize);

      // Interleaved, so that a slow phase of the machine hits both paths alike.
      double serve1 = serve(model, tok, samples, batch, runSize);
      Run run1 =
          runProfiler(
              bootstrap, samplesTopic, samplesTopic, model, tok, samples.size(), batch, runSize);
      double serve2 = serve(model, tok, samples, batch, runSize);
      Run run2 =
          runProfiler(
              bootstrap, samplesTopic, samplesTopic, model, tok, samples.size(), batch, runSize);
      double[] parts = profileOnly(model, tok, samples, batch, runSize);
      double serveSeconds = (serve1 + serve2) / 2;
      double serveRate = samples.size() / serveSeconds;
      double profilerRate = 2 * samples.size() / (run1.seconds + run2.seconds);
      print(
          "plain forward (serving_default, same batches): %.2f s and %.2f s, mean %.1f samples/s",
          serve1, serve2, serveRate);
      for (Run run : List.of(run1, run2)) {
        print(
            "profiler (Kafka in + validate + profile + summaries out + acks + commit):"
                + " %.2f s, %.1f samples/s (%.2f s with the group join); of which in the"
                + " engine (tokenize + profile + summaries) %.2f s; %d summary records,"
                + " %.1f MB",
            run.seconds,
            samples.size() / run.seconds,
            run.withJoin,
            run.engineSeconds,
            run.records,
            run.bytes / 1e6);
      }
      print(
          "breakdown on pre-tokenized batches: profile signature alone %.2f s (%.2f x the"
              + " plain forward), profile + summary builder %.2f s; tokenizing and grouping %.2f s",
          parts[0], parts[0] / serveSeconds, parts[1], parts[2]);
      print(
          "ratio profiler / plain forward = %.3f (target >= 0.9; means of the two runs"
              + " of each)",
          profilerRate / serveRate);
    }
  }

  record Run(double seconds, double withJoin, double engineSeconds, long records, double bytes) {}

  static Run runProfiler(
      String bootstrap,
      String topic,
      String prefix,
      TransformerModel model,
      TextTokenizer tok,
      int expected,
      int batch,
      int run)
      throws Exception {
    ProfilerEngine engine =
        new ProfilerEngine(
            Map.of(TASK, new ProfilerEngine.TaskModel(model, tok)),
            new ProfilerEngine.Settings(
                ProfilerEngine.Settings.defaults().seed(),
                ProfilerEngine.Settings.defaults().tokens(),
                run,
                ProfilerEngine.Settings.defaults().maxSummaryBytes(),
                ProfilerEngine.TooLong.REJECT));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    SmallRyeConfig config =
        new SmallRyeConfigBuilder()
            .withSources(
                new PropertiesConfigSource(
                    Map.of(
                        "kafka.bootstrap.servers",
                        bootstrap,
                        "ppruning.profiler.kafka.group",
                        "bench-" + UUID.randomUUID()),
                    "bench",
                    100))
            .withMapping(KafkaSettings.class, "ppruning.profiler.kafka")
            .build();
    KafkaClients clients =
        new KafkaClients(
            KafkaClients.sharedKeys(config),
            config.getConfigMapping(KafkaSettings.class, "ppruning.profiler.kafka"),
            "bench");
    SampleLoop loop =
        new SampleLoop(
            clients,
            new SampleLoopSettings(
                topic,
                prefix + ".dlq",
                prefix + ".summaries",
                batch,
                Duration.ofMillis(200),
                1 << 20),
            new ProfilingSteps(
                new SampleRecords(Set.of(TASK), SampleRecords.DEFAULT_MAX_RECORD_BYTES),
                engine,
                new ProfilerMetrics(registry),
                new KafkaTracing(OpenTelemetry.noop())));
    AtomicBoolean failed = new AtomicBoolean();
    RestartLoop thread =
        new RestartLoop("bench-profiler", Duration.ofSeconds(1), loop::run, () -> failed.set(true));
    long start = System.nanoTime();
    thread.start();
    while (registry.counter("ppruning.profiler.records").count() < expected) {
      if (failed.get() || thread.phase() == RestartLoop.Phase.FAILED) {
        String problem = thread.problem();
        thread.stop(Duration.ofSeconds(10));
        throw new IllegalStateException("profiler failed: " + problem);
      }
      if (System.nanoTime() - start > 1_800_000_000_000L) {
        throw new IllegalStateException("profiler did not finish in 30 min");
      }
      Thread.sleep(20);
    }
    long end = loop.lastCommitNanos();
    thread.stop(Duration.ofSeconds(60));
    double rejected =
        registry.find("ppruning.profiler.rejected").counters().stream()
            .mapToDouble(c -> c.count())
            .sum();
    if (rejected > 0) {
      throw new IllegalStateException(rejected + " samples rejected in the benchmark");
    }
    return new Run(
        (end - loop.firstRecordNanos()) / 1e9,
        (end - start) / 1e9,
        registry
            .timer("ppruning.profiler.profile.latency")
            .totalTime(java.util.concurrent.TimeUnit.SECONDS),
        (long)
            registry.find("ppruning.profiler.summary.records").counters().stream()
                .mapToDouble(c -> c.count())
                .sum(),
        registry.summary("ppruning.profiler.summary.bytes").totalAmount());
  }

  /**
   * The plain forward pass over the runs the profiler makes: consecutive groups of {@code batch}
   * samples (one partition, full batches), each grouped by padded length into runs of at most
   * {@code run}.
   */
  static double serve(
      TransformerModel model, TextTokenizer tok, List<Sample> samples, int batch, int run) {
    List<List<ProfileBatch>> runs = batches(model, tok, samples, batch, run);
    long t0 = System.nanoTime();
    for (List<ProfileBatch> poll : runs) {
      for (ProfileBatch b : poll) {
        model.serve(b.tokens());
      }
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  /**
   * The profile signature alone and with the summary builder, on the batches {@link #serve} runs (a
   * fresh builder, so the positions are the profiler's): where the engine's time goes.
   */
  static double[] profileOnly(
      TransformerModel model, TextTokenizer tok, List<Sample> samples, int batch, int run) {
    var config = Summaries.config(TASK, model.spec(), 42, 200, run);
    long e0 = System.nanoTime();
    List<List<ProfileBatch>> runs = batches(model, tok, samples, batch, run);
    double encode = (System.nanoTime() - e0) / 1e9;
    var planner =
        new org.ppruning.summary.SummaryBuilder(
            config, ProfilerEngine.Settings.defaults().maxSummaryBytes());
    List<List<int[]>> positions = new ArrayList<>();
    for (List<ProfileBatch> poll : runs) {
      positions.add(planner.positions(poll));
      planner.profile(model, poll);
    }
    long t0 = System.nanoTime();
    for (int i = 0; i < runs.size(); i++) {
      for (int j = 0; j < runs.get(i).size(); j++) {
        model.profile(runs.get(i).get(j).tokens(), positions.get(i).get(j));
      }
    }
    double profile = (System.nanoTime() - t0) / 1e9;
    var builder =
        new org.ppruning.summary.SummaryBuilder(
            config, ProfilerEngine.Settings.defaults().maxSummaryBytes());
    t0 = System.nanoTime();
    for (List<ProfileBatch> poll : runs) {
      builder.profile(model, poll);
    }
    return new double[] {profile, (System.nanoTime() - t0) / 1e9, encode};
  }

  /**
   * The batches the profiler forms: consecutive groups of {@code batch}, grouped by padded length
   * into runs of {@code run} rows.
   */
  static List<List<ProfileBatch>> batches(
      TransformerModel model, TextTokenizer tok, List<Sample> samples, int batch, int run) {
    var config = Summaries.config(TASK, model.spec(), 42, 200, run);
    List<List<ProfileBatch>> runs = new ArrayList<>();
    for (int from = 0; from < samples.size(); from += batch) {
      List<TokenizedSample> chunk = new ArrayList<>();
      for (Sample s : samples.subList(from, Math.min(samples.size(), from + batch))) {
        chunk.add(SampleEncoding.encode(tok, s, model.spec().maxPositions(), false).sample());
      }
      runs.add(ProfileBatch.group(chunk, config, tok.padId()));
    }
    return runs;
  }

  static void produce(String bootstrap, String topic, List<Sample> samples) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      for (Sample s : samples) {
        byte[] value = json.writeValueAsBytes(Map.of("task", TASK, "id", s.id(), "text", s.text()));
        producer.send(new ProducerRecord<>(topic, TASK.getBytes(StandardCharsets.UTF_8), value));
      }
      producer.flush();
    }
  }

  static void print(String format, Object... args) {
    String line = "bench: " + String.format(format, args);
    System.out.println(line);
  }
}
