package org.ppruning.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ppruning.system.SystemFixtures.TASK;

import com.google.protobuf.Int64Value;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ppruning.data.Sample;
import org.ppruning.data.SplitData;
import org.ppruning.data.Tasks;
import org.ppruning.demo.InferenceClient;
import org.ppruning.demo.ModelEventWatcher;
import org.ppruning.demo.SampleProducer;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.local.Service;
import org.ppruning.model.FloatTensor;
import org.ppruning.serving.tf.DataType;
import org.ppruning.serving.tf.TensorProto;
import org.ppruning.serving.tf.TensorShapeProto;
import org.ppruning.serving.tfs.ModelSpec;
import org.ppruning.serving.tfs.PredictRequest;
import org.ppruning.serving.tfs.PredictResponse;
import org.ppruning.serving.v1.Classification;
import org.ppruning.serving.v1.ClassifyResponse;
import org.ppruning.stream.ModelEvent;
import org.ppruning.stream.ModelRepository;
import org.ppruning.stream.Topics;
import org.ppruning.tokenize.TextTokenizer;

/**
 * Issue 6 end to end over a real broker: the sentiment train split in -> pruned version ->
 * fine-tuned version (1 epoch, to keep the build short) -> served by the finetuner; a TF Serving
 * {@code Predict} and a {@code ppruning.v1} Classify call return the scores that running that
 * SavedModel directly ({@link TransformerModel#serve}) gives.
 *
 * <p>The same run checks model events and invalid versions (issue 16), in parts of their own: an
 * empty version folder {@code 999} in the pruner's and in the finetuner's repository is skipped
 * (counted by the pruner) and numbered past (both write version 1000); forged pruned events (a
 * valid model outside the pruner's repository, the same reached through '..', the empty 999, a
 * missing folder) are refused, logged and counted by reason, never trained or served.
 */
@Tag("system")
class ServingIT {

  @Test
  void samplesInPrunedFineTunedServedScoresEqualTheSavedModels() throws Exception {
    SplitData<Sample> splits =
        Tasks.splits(
            TASK,
            ArtifactCache.fromEnvironment(System.getenv(), System.getProperties()),
            System.err);
    List<Sample> train = splits.train();
    List<String> jvm =
        List.of(
            "-Dppruning.pruner.min-samples=" + train.size(),
            "-Dppruning.finetuner.training.epochs=1",
            "-Dppruning.finetuner.serving.scan-interval=1s");
    try (LocalSystem sys = LocalSystem.start(null, jvm);
        ModelEventWatcher events = new ModelEventWatcher(sys.bootstrap());
        InferenceClient client = new InferenceClient("127.0.0.1", sys.grpcPort())) {
      // Issue 16: an empty version folder 999 in both repositories before anything is written.
      ModelRepository prunerRepo =
          new ModelRepository(sys.runtime().workDir(Service.PRUNER).resolve("models"));
      ModelRepository servingRepo =
          new ModelRepository(sys.runtime().workDir(Service.FINETUNER).resolve("models"));
      Path empty999 = Files.createDirectories(prunerRepo.path(TASK, 999));
      Files.createDirectories(servingRepo.path(TASK, 999));
      try (SampleProducer producer = new SampleProducer(sys.bootstrap())) {
        producer.ensureTopic();
        producer.send(TASK, train, n -> {});
      }
      ModelEvent pruned =
          SystemFixtures.awaitEvent(
              events, "pruned version", ModelEvent.PRUNED, Duration.ofMinutes(20));
      assertEquals(train.size(), pruned.samples());
      forgedEventsAreRefusedAndInvalidFoldersSkipped(sys, pruned, prunerRepo, empty999);
      ModelEvent tuned =
          events.await(
              "fine-tuned version",
              e ->
                  e.stage().equals(ModelEvent.FINETUNED)
                      && e.task().equals(TASK)
                      && pruned.path().equals(e.parent()),
              Duration.ofMinutes(30),
              e -> {},
              () -> {});
      assertEquals(pruned.layers(), tuned.layers(), "fine-tuning keeps the pruned widths");
      assertTrue(
          tuned.metrics().get("test_accuracy") > 0.6,
          "1 epoch learns something: " + tuned.metrics());
      client.awaitServed(TASK, tuned.version(), Duration.ofSeconds(120));
      assertEquals(
          1000, tuned.version(), "the finetuner numbers past its empty 999: " + tuned.path());
      assertEquals(
          List.of(999L, 1000L),
          servingRepo.versions(TASK),
          "only the real pruned version was fine-tuned; no forged event was trained");

      Path dir = SystemFixtures.folder(tuned.path());
      List<Sample> texts = splits.test().subList(0, 8);
      try (TransformerModel m = TransformerModel.load(dir);
          TextTokenizer tok = TextTokenizer.load(m.tokenizerJson())) {
        List<String> labels = m.spec().head().labels();
        for (Sample s : texts) {
          TokenBatch b = tok.encode(List.of(s.text()), null, m.spec().maxPositions());
          Map<String, FloatTensor> direct = m.serve(b);
          float[] probs = direct.get("probabilities").data();
          float[] logits = direct.get("logits").data();
          assertEquals(labels.size(), probs.length);

          // TF Serving Predict with the same tensors: the same graph on the same inputs.
          PredictResponse p =
              client.predict(
                  PredictRequest.newBuilder()
                      .setModelSpec(
                          ModelSpec.newBuilder()
                              .setName(TASK)
                              .setVersion(Int64Value.of(tuned.version())))
                      .putInputs("input_ids", ints(b.inputIds(), b.size(), b.seqLen()))
                      .putInputs("attention_mask", ints(b.attentionMask(), b.size(), b.seqLen()))
                      .putInputs("token_type_ids", ints(b.tokenTypeIds(), b.size(), b.seqLen()))
                      .addOutputFilter("probabilities")
                      .addOutputFilter("logits")
                      .build());
          assertEquals(tuned.version(), p.getModelSpec().getVersion().getValue());
          assertClose(
              probs,
              floats(p.getOutputsOrThrow("probabilities")),
              1e-6,
              "Predict probabilities: " + s.id());
          assertClose(
              logits, floats(p.getOutputsOrThrow("logits")), 1e-6, "Predict logits: " + s.id());

          // ppruning.v1 Classify of the text: tokenized on the server.
          ClassifyResponse c = client.classify(TASK, tuned.version(), s.text(), null);
          assertEquals(tuned.version(), c.getVersion());
          Classification r = c.getResults(0);
          int best = 0;
          for (int i = 0; i < labels.size(); i++) {
            assertEquals(labels.get(i), r.getScores(i).getLabel());
            assertEquals(probs[i], r.getScores(i).getScore(), 1e-6, "Classify score: " + s.id());
            assertEquals(logits[i], r.getScores(i).getLogit(), 1e-6, "Classify logit: " + s.id());
            best = probs[i] > probs[best] ? i : best;
          }
          assertEquals(labels.get(best), r.getLabel());
        }
      }
    }
  }

  /**
   * Issue 16, its own part: the pruner skipped the empty 999 (counted) and wrote 1000; forged
   * pruned events are refused by the finetuner with one log line each and counted by reason.
   */
  private static void forgedEventsAreRefusedAndInvalidFoldersSkipped(
      LocalSystem sys, ModelEvent pruned, ModelRepository prunerRepo, Path empty999)
      throws Exception {
    assertEquals(1000, pruned.version(), "the pruner numbers past the empty 999: " + pruned.path());
    assertEquals(
        1.0,
        SystemFixtures.awaitMetric(
            sys,
            Service.PRUNER,
            "ppruning_pruner_versions_skipped_total",
            "reason=\"invalid_spec\"",
            v -> v >= 1,
            Duration.ofMinutes(1)),
        "the pruner counted the empty 999 once");

    // A valid model (a copy of the real pruned version) outside the pruner's repository.
    Path outside = sys.runDir().resolve("outside").resolve(TASK).resolve("1000");
    copyTree(SystemFixtures.folder(pruned.path()), outside);
    String dotted = prunerRepo.root().toUri() + TASK + "/../../../outside/" + TASK + "/1000";
    Path missing = prunerRepo.path(TASK, 5000);
    try (KafkaProducer<String, byte[]> p = forger(sys.bootstrap())) {
      // version -> path (a folder's URI may end in '/')
      Map<Long, String> forged =
          Map.of(
              1000L, outside.toUri().toString(),
              1001L, dotted,
              999L, empty999.toUri().toString(),
              5000L, missing.toUri().toString());
      for (Map.Entry<Long, String> f : forged.entrySet()) {
        p.send(
                new ProducerRecord<>(
                    Topics.MODELS, TASK, forged(pruned, f.getKey(), f.getValue()).toJson()))
            .get();
      }
    }
    Map<String, Double> want =
        Map.of("outside_repository", 2.0, "invalid_spec", 1.0, "missing", 1.0);
    for (Map.Entry<String, Double> w : want.entrySet()) {
      assertEquals(
          w.getValue(),
          SystemFixtures.awaitMetric(
              sys,
              Service.FINETUNER,
              "ppruning_finetuner_events_refused_total",
              "reason=\"" + w.getKey() + "\"",
              v -> v >= w.getValue(),
              Duration.ofMinutes(2)),
          "forged events refused as " + w.getKey());
    }
    String log = Files.readString(sys.runtime().log(Service.FINETUNER));
    for (String path : List.of(outside.toString(), empty999.toString(), missing.toString())) {
      assertTrue(
          log.lines()
              .anyMatch(
                  l ->
                      l.contains("refused model event " + Topics.MODELS + "-") && l.contains(path)),
          "one log line names the event and " + path);
    }
  }

  private static ModelEvent forged(ModelEvent real, long version, String path) {
    return new ModelEvent(
        ModelEvent.PRUNED,
        real.task(),
        version,
        path,
        real.parent(),
        real.layers(),
        real.flopsKept(),
        real.paramsKept(),
        real.samples(),
        "forged by ServingIT",
        null,
        real.createdAt());
  }

  private static KafkaProducer<String, byte[]> forger(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (var s = Files.walk(from)) {
      for (Path f : (Iterable<Path>) s::iterator) {
        Path t = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(t);
        } else {
          Files.copy(f, t);
        }
      }
    }
  }

  /** An int32 [rows, cols] tensor. */
  static TensorProto ints(int[] values, int rows, int cols) {
    TensorProto.Builder t =
        TensorProto.newBuilder()
            .setDtype(DataType.DT_INT32)
            .setTensorShape(
                TensorShapeProto.newBuilder()
                    .addDim(TensorShapeProto.Dim.newBuilder().setSize(rows))
                    .addDim(TensorShapeProto.Dim.newBuilder().setSize(cols)));
    for (int v : values) {
      t.addIntVal(v);
    }
    return t.build();
  }

  /** A float tensor's values, from tensor_content or float_val. */
  static float[] floats(TensorProto t) {
    if (!t.getTensorContent().isEmpty()) {
      ByteBuffer b = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      float[] out = new float[b.remaining() / 4];
      b.asFloatBuffer().get(out);
      return out;
    }
    float[] out = new float[t.getFloatValCount()];
    for (int i = 0; i < out.length; i++) {
      out[i] = t.getFloatVal(i);
    }
    return out;
  }

  private static void assertClose(float[] expected, float[] actual, double tol, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], tol, what + " [" + i + "]");
    }
  }
}
