package org.ppruning.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ppruning.system.SystemFixtures.TASK;
import static org.ppruning.system.SystemFixtures.TASK_LABEL;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ppruning.data.Sample;
import org.ppruning.data.Tasks;
import org.ppruning.demo.InferenceClient;
import org.ppruning.demo.ModelEventWatcher;
import org.ppruning.demo.SampleProducer;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.local.Health;
import org.ppruning.local.RuntimeStatus;
import org.ppruning.local.Service;
import org.ppruning.model.LayerSpec;
import org.ppruning.serving.tf.TensorProto;
import org.ppruning.serving.tfs.ModelSpec;
import org.ppruning.serving.tfs.PredictRequest;
import org.ppruning.serving.tfs.PredictResponse;
import org.ppruning.stream.ModelEvent;
import org.ppruning.tokenize.TextTokenizer;

/**
 * Issue 16's broker outages, in one system (one broker of its own, the three services as processes,
 * real MiniLM, the 3,000 sentiment sentences), in this order:
 *
 * <ol>
 *   <li><b>(b)</b> the services start 60 s before the broker; once it is up, all three become ready
 *       (and the next phases show that they work);
 *   <li><b>(a)</b> the broker is stopped for 90 s while the profiler works through the first 1,500
 *       samples, then started again with its data; after the other 1,500, the pruned version keeps
 *       exactly the units of the fault-free batch path on the same 3,000, and is announced once;
 *   <li><b>(c)</b> the broker is stopped for 90 s while the finetuner fine-tunes that version; the
 *       fine-tuned version is announced and served (gRPC Predict answers with it), then 1,000 more
 *       samples (grammar sentences under new ids) give version 2, which is fine-tuned and served.
 * </ol>
 *
 * No service is restarted: the same pids run from the first phase to the last. While the broker is
 * down, each service's readiness must say so ({@link #readinessNamesTheBroker}); that check comes
 * with branch {@code secure} and its failures are reported at the end, after every other phase.
 */
@Tag("system")
class BrokerOutageIT {
  static final Duration OUTAGE = Duration.ofSeconds(90);
  static final Duration BEFORE_BROKER = Duration.ofSeconds(60);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Readiness contract failures, reported after the other phases (see the class comment). */
  private final List<String> readinessProblems = new ArrayList<>();

  @Test
  void servicesSurviveBrokerOutagesWithoutARestart() throws Exception {
    long t0 = System.nanoTime();
    ArtifactCache cache = ArtifactCache.fromEnvironment(System.getenv(), System.getProperties());
    List<Sample> samples = Tasks.allSamples(TASK, cache, System.err);
    assertEquals(3000, samples.size());
    List<Sample> more =
        SystemFixtures.renamed(
            Tasks.samples("grammar", cache, System.err).subList(0, 1000), "outage:");
    List<LayerSpec> reference = SystemFixtures.batchKept(samples); // before the services run

    List<String> jvm =
        List.of(
            "-Dppruning.finetuner.training.epochs=1",
            "-Dppruning.finetuner.training.train-rows=640",
            "-Dppruning.finetuner.serving.scan-interval=1s");
    try (LocalSystem sys = LocalSystem.prepare(null, jvm)) {
      // --- (b) the services start 60 s before the broker ---------------------------------------
      RuntimeStatus first = sys.upBeforeBroker();
      Map<Service, Long> pids = new EnumMap<>(Service.class);
      first.services().forEach((s, st) -> pids.put(s, st.pid()));
      long upAt = System.nanoTime();
      readinessNamesTheBroker(sys, "(b) started before the broker", BEFORE_BROKER);
      Thread.sleep(Math.max(0, BEFORE_BROKER.toMillis() - (System.nanoTime() - upAt) / 1_000_000));
      // Consuming needs the broker: the profiler and pruner cannot be ready without it.
      for (Service s : List.of(Service.PROFILER, Service.PRUNER)) {
        assertEquals(
            Health.DOWN,
            Health.ready(sys.httpPort(s)),
            "(b) "
                + s.id()
                + " ready without a broker "
                + BEFORE_BROKER.toSeconds()
                + " s after start");
      }
      assertSamePids(sys, pids, "(b) before the broker started");
      long brokerUp = System.nanoTime();
      sys.startBroker();
      awaitAllReady(sys, "(b) after the broker came up", Duration.ofMinutes(4));
      System.err.printf(
          "BrokerOutageIT (b): broker started %d s after the services; all ready %.1f s later%n",
          BEFORE_BROKER.toSeconds(), (System.nanoTime() - brokerUp) / 1e9);
      assertSamePids(sys, pids, "(b)");

      try (ModelEventWatcher events = new ModelEventWatcher(sys.bootstrap());
          SampleProducer producer = new SampleProducer(sys.bootstrap());
          InferenceClient client = new InferenceClient("127.0.0.1", sys.grpcPort())) {
        // --- (a) a 90 s outage while the profiler works through the first 1,500 ---------------
        producer.ensureTopic();
        producer.send(TASK, samples.subList(0, 1500), n -> {});
        SystemFixtures.awaitMetric(
            sys,
            Service.PROFILER,
            "ppruning_profiler_samples_total",
            TASK_LABEL,
            v -> v >= 300,
            Duration.ofMinutes(10));
        outage(sys, "(a) profiling");
        awaitAllReady(sys, "(a) after the broker came back", Duration.ofMinutes(4));
        producer.send(TASK, samples.subList(1500, 3000), n -> {});
        ModelEvent v1 =
            SystemFixtures.awaitEvent(
                events,
                "(a) pruned version 1 after the outage",
                ModelEvent.PRUNED,
                Duration.ofMinutes(20));
        assertEquals(1, v1.version(), "(a) the first pruned version");
        assertEquals(3000, v1.samples(), "(a) every sample counted once");
        assertSamePids(sys, pids, "(a)");

        // --- (c) a 90 s outage while the finetuner trains version 1 ---------------------------
        SystemFixtures.awaitMetric(
            sys,
            Service.FINETUNER,
            "ppruning_finetuner_jobs_running",
            "",
            v -> v >= 1,
            Duration.ofMinutes(5));
        outage(sys, "(c) fine-tuning version 1");
        // (a)'s units, compared once the finetuner's outage is under way (they are on disk).
        SystemFixtures.assertSameUnits(
            reference,
            SystemFixtures.versionKept(SystemFixtures.folder(v1.path())),
            "(a) version 1 after a 90 s outage vs the fault-free batch path");
        ModelEvent tuned1 = awaitFineTuned(events, v1, "(c) fine-tuned version 1 after the outage");
        assertPredictAnswers(client, tuned1, "(a)/(c) version 1 fine-tuned through an outage");
        awaitAllReady(sys, "(c) after the broker came back", Duration.ofMinutes(4));

        producer.send(TASK, more, n -> {});
        ModelEvent v2 =
            events.await(
                "(c) pruned version 2 after 1,000 more samples",
                e ->
                    e.stage().equals(ModelEvent.PRUNED)
                        && e.task().equals(TASK)
                        && e.version() == 2,
                Duration.ofMinutes(15),
                e -> {},
                () -> {});
        assertEquals(4000, v2.samples(), "(c) version 2 counts the 3,000 and the 1,000 more");
        ModelEvent tuned2 = awaitFineTuned(events, v2, "(c) fine-tuned version 2");
        assertTrue(tuned2.version() > tuned1.version(), "(c) " + tuned2 + " after " + tuned1);
        assertPredictAnswers(client, tuned2, "(c) version 2 fine-tuned after the outage");

        // Each version announced exactly once, by the pruner and by the finetuner.
        List<ModelEvent> all = StreamingIT.awaitQuiet(events);
        assertEquals(
            List.of(1L, 2L),
            all.stream().map(ModelEvent::version).toList(),
            "pruned events, once per version: " + all);
        List<ModelEvent> finetuned =
            events.seen().stream().filter(e -> e.stage().equals(ModelEvent.FINETUNED)).toList();
        assertEquals(
            List.of(v1.path(), v2.path()),
            finetuned.stream().map(ModelEvent::parent).toList(),
            "fine-tuned events, once per pruned version: " + finetuned);
        assertSamePids(sys, pids, "(c)");
      }
      System.err.printf("BrokerOutageIT: all phases in %.1f s%n", (System.nanoTime() - t0) / 1e9);
      assertTrue(
          readinessProblems.isEmpty(),
          "readiness while the broker was down (the <service>-kafka check of branch secure): "
              + String.join("; ", readinessProblems));
    }
  }

  /**
   * Stops the broker for {@link #OUTAGE}, checks that every service's readiness says why, then
   * starts it again with its data.
   */
  private void outage(LocalSystem sys, String during) throws Exception {
    long t = System.nanoTime();
    sys.stopBroker();
    System.err.printf(
        "BrokerOutageIT: broker stopped during %s (profiled so far: %.0f samples, jobs running:"
            + " %.0f)%n",
        during,
        SystemFixtures.metric(sys, Service.PROFILER, "ppruning_profiler_samples_total", TASK_LABEL),
        SystemFixtures.metric(sys, Service.FINETUNER, "ppruning_finetuner_jobs_running", ""));
    if (during.startsWith("(c)")) {
      assertEquals(
          1.0,
          SystemFixtures.metric(sys, Service.FINETUNER, "ppruning_finetuner_jobs_running", ""),
          "(c) the broker went down while the finetuner was training");
    }
    readinessNamesTheBroker(sys, during, OUTAGE.minusSeconds(10));
    long left = OUTAGE.toNanos() - (System.nanoTime() - t);
    if (left > 0) {
      Thread.sleep(left / 1_000_000);
    }
    sys.startBroker();
    System.err.printf(
        "BrokerOutageIT: broker started again after %.1f s (during %s)%n",
        (System.nanoTime() - t) / 1e9, during);
  }

  /**
   * The readiness contract while the broker is down (the check of branch {@code secure}): each
   * service's {@code /q/health/ready} has a check {@code <service>-kafka} that is DOWN, with data
   * {@code bootstrap} = the bootstrap servers and an {@code error} naming them, within {@code
   * within}. A service that never shows it is recorded and reported at the end of the test.
   */
  private void readinessNamesTheBroker(LocalSystem sys, String during, Duration within)
      throws InterruptedException {
    Map<Service, String> last = new EnumMap<>(Service.class);
    for (Service s : Service.values()) {
      last.put(s, "no answer");
    }
    long deadline = System.nanoTime() + within.toNanos();
    while (!last.isEmpty()) {
      for (var it = last.entrySet().iterator(); it.hasNext(); ) {
        var e = it.next();
        String name = e.getKey().id() + "-kafka";
        JsonNode check = readinessCheck(sys, e.getKey(), name);
        if (check != null
            && "DOWN".equals(check.path("status").asText())
            && sys.bootstrap().equals(check.path("data").path("bootstrap").asText())
            && check.path("data").path("error").asText().contains(sys.bootstrap())) {
          it.remove();
        } else {
          e.setValue(check == null ? "no check " + name : check.toString());
        }
      }
      if (last.isEmpty() || System.nanoTime() > deadline) {
        break;
      }
      Thread.sleep(1000);
    }
    last.forEach(
        (s, what) ->
            readinessProblems.add(
                during
                    + ": "
                    + s.id()
                    + "-kafka is not DOWN naming "
                    + sys.bootstrap()
                    + " ("
                    + what
                    + ")"));
  }

  /** The named check of a service's readiness, or null (no answer, no such check). */
  private static JsonNode readinessCheck(LocalSystem sys, Service s, String name) {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(sys.http(s) + "/q/health/ready"))
            .timeout(Duration.ofSeconds(5))
            .build();
    try {
      JsonNode body = JSON.readTree(HTTP.send(req, HttpResponse.BodyHandlers.ofString()).body());
      for (JsonNode c : body.path("checks")) {
        if (name.equals(c.path("name").asText())) {
          return c;
        }
      }
      return null;
    } catch (Exception e) {
      return null;
    }
  }

  private static void awaitAllReady(LocalSystem sys, String when, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Service s : Service.values()) {
      Health h;
      while ((h = Health.ready(sys.httpPort(s))) != Health.UP) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError(
              when
                  + ": "
                  + s.id()
                  + " not ready after "
                  + timeout.toSeconds()
                  + " s ("
                  + h.label()
                  + "); log "
                  + sys.runtime().log(s));
        }
        Thread.sleep(500);
      }
    }
  }

  /** Every service still runs as the process it was at the start (none exited or restarted). */
  private static void assertSamePids(LocalSystem sys, Map<Service, Long> pids, String phase)
      throws Exception {
    RuntimeStatus st = sys.status();
    for (Service s : Service.values()) {
      var now = st.services().get(s);
      assertTrue(now.running(), phase + ": " + s.id() + " (pid " + pids.get(s) + ") exited");
      assertEquals(pids.get(s), now.pid(), phase + ": " + s.id() + " was restarted");
    }
  }

  private static ModelEvent awaitFineTuned(ModelEventWatcher events, ModelEvent pruned, String what)
      throws InterruptedException {
    return events.await(
        what,
        e ->
            e.stage().equals(ModelEvent.FINETUNED)
                && e.task().equals(TASK)
                && pruned.path().equals(e.parent()),
        Duration.ofMinutes(20),
        e -> {},
        () -> {});
  }

  /**
   * The finetuner serves {@code tuned}: a TF Serving Predict without a version answers with it, two
   * class probabilities summing to 1 for a real sentence.
   */
  private static void assertPredictAnswers(InferenceClient client, ModelEvent tuned, String what)
      throws Exception {
    client.awaitServed(TASK, tuned.version(), Duration.ofSeconds(120));
    try (TransformerModel m = TransformerModel.load(SystemFixtures.folder(tuned.path()));
        TextTokenizer tok = TextTokenizer.load(m.tokenizerJson())) {
      TokenBatch b = tok.encode(List.of("The food was wonderful."), null, m.spec().maxPositions());
      PredictResponse p =
          client.predict(
              PredictRequest.newBuilder()
                  .setModelSpec(ModelSpec.newBuilder().setName(TASK))
                  .putInputs("input_ids", ints(b.inputIds(), b.size(), b.seqLen()))
                  .putInputs("attention_mask", ints(b.attentionMask(), b.size(), b.seqLen()))
                  .putInputs("token_type_ids", ints(b.tokenTypeIds(), b.size(), b.seqLen()))
                  .addOutputFilter("probabilities")
                  .build());
      assertEquals(
          tuned.version(), p.getModelSpec().getVersion().getValue(), what + ": Predict's version");
      TensorProto probs = p.getOutputsOrThrow("probabilities");
      float[] v = ServingIT.floats(probs);
      assertEquals(2, v.length, what + ": two sentiment classes");
      assertEquals(1.0, v[0] + v[1], 1e-5, what + ": probabilities");
    }
  }

  private static TensorProto ints(int[] values, int rows, int cols) {
    return ServingIT.ints(values, rows, cols);
  }
}
