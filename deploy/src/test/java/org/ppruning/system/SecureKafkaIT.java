package org.ppruning.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ppruning.system.SystemFixtures.TASK;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Int64Value;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ppruning.data.Sample;
import org.ppruning.data.Tasks;
import org.ppruning.demo.InferenceClient;
import org.ppruning.demo.ModelEventWatcher;
import org.ppruning.demo.SampleProducer;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TokenBatch;
import org.ppruning.local.PidFile;
import org.ppruning.local.Processes;
import org.ppruning.local.Service;
import org.ppruning.serving.tfs.ModelSpec;
import org.ppruning.serving.tfs.PredictRequest;
import org.ppruning.serving.tfs.PredictResponse;
import org.ppruning.stream.ModelEvent;
import org.ppruning.tokenize.TextTokenizer;

/**
 * Issue 16, a secured cluster: a broker of its own started by {@code kafka.sh} with only a SASL_SSL
 * (SCRAM-SHA-512) client listener; the three services get the {@code kafka.*} keys as {@code -D}
 * options, as in a real deployment. A few hundred samples in -> pruned version -> fine-tuned (1
 * epoch) -> a gRPC Predict answers. Then the same services with a wrong password: each one's {@code
 * <service>-kafka} readiness check is DOWN naming {@code kafka.sasl.jaas.config} within 60 s, and
 * each stops on SIGTERM within the grace period.
 */
@Tag("system")
class SecureKafkaIT {
  private static final int SAMPLES = 300;
  private static final Duration GRACE = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void allThreeServicesWorkOverSaslSslAndAWrongPasswordIsNamed() throws Exception {
    long t0 = System.nanoTime();
    Path runDir = LocalSystem.newRunDir();
    int port = LocalSystem.freePortOptions(null).kafkaPort(); // port + 1 is free too
    SecuredBroker broker = new SecuredBroker(runDir.resolve("secure-kafka"), port);
    try {
      Map<String, String> keys = broker.start();
      System.err.printf("secured broker ready after %.1f s%n", (System.nanoTime() - t0) / 1e9);
      onlySaslSsl(broker, keys);
      streamPruneTuneAndPredict(keys);
      System.err.printf("pipeline done after %.1f s%n", (System.nanoTime() - t0) / 1e9);
      Map<String, String> wrong = new TreeMap<>(keys);
      wrong.put(
          "sasl.jaas.config",
          keys.get("sasl.jaas.config").replaceAll("password=\"[^\"]*\"", "password=\"wrong\""));
      aWrongPasswordIsDownNamingTheKeyAndNothingHangs(wrong);
    } finally {
      broker.stop();
      System.err.printf("SecureKafkaIT took %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }
  }

  /** The client port speaks SASL_SSL only: a plaintext client gets no cluster description. */
  private static void onlySaslSsl(SecuredBroker broker, Map<String, String> keys)
      throws IOException {
    String listeners =
        Files.readAllLines(broker.dir.resolve("server.properties")).stream()
            .filter(l -> l.startsWith("listeners="))
            .findFirst()
            .orElseThrow();
    assertEquals(
        "listeners=SASL_SSL://127.0.0.1:"
            + broker.port
            + ",CONTROLLER://127.0.0.1:"
            + (broker.port + 1),
        listeners);
    try (Admin plain =
        Admin.create(
            Map.of(
                "bootstrap.servers", keys.get("bootstrap.servers"),
                "request.timeout.ms", 3000,
                "default.api.timeout.ms", 3000))) {
      assertThrows(
          ExecutionException.class,
          () -> plain.describeCluster().clusterId().get(10, TimeUnit.SECONDS),
          "a plaintext client must not get an answer");
    }
  }

  private static List<String> jvmOptions(Map<String, String> keys, String... more) {
    List<String> jvm = new ArrayList<>();
    keys.forEach(
        (k, v) -> {
          if (!k.equals("bootstrap.servers")) { // up sets it from --bootstrap
            jvm.add("-Dkafka." + k + "=" + v);
          }
        });
    jvm.addAll(List.of(more));
    return jvm;
  }

  private static void streamPruneTuneAndPredict(Map<String, String> keys) throws Exception {
    List<Sample> train =
        Tasks.splits(
                TASK,
                ArtifactCache.fromEnvironment(System.getenv(), System.getProperties()),
                System.err)
            .train()
            .subList(0, SAMPLES);
    List<String> jvm =
        jvmOptions(
            keys,
            "-Dppruning.pruner.min-samples=" + SAMPLES,
            "-Dppruning.finetuner.training.epochs=1",
            "-Dppruning.finetuner.training.train-rows=640",
            "-Dppruning.finetuner.serving.scan-interval=1s");
    String bootstrap = keys.get("bootstrap.servers");
    try (LocalSystem sys = LocalSystem.start(bootstrap, jvm);
        ModelEventWatcher events = new ModelEventWatcher(bootstrap, keys);
        InferenceClient client = new InferenceClient("127.0.0.1", sys.grpcPort())) {
      for (Service s : Service.values()) {
        JsonNode check = kafkaCheck(sys.httpPort(s), s);
        assertEquals("UP", check.path("status").asText(), check.toString());
        assertEquals(bootstrap, check.path("data").path("bootstrap").asText(), check.toString());
      }
      try (SampleProducer producer = new SampleProducer(bootstrap, keys)) {
        producer.ensureTopic();
        producer.send(TASK, train, n -> {});
      }
      ModelEvent pruned =
          SystemFixtures.awaitEvent(
              events, "pruned version", ModelEvent.PRUNED, Duration.ofMinutes(15));
      assertEquals(SAMPLES, pruned.samples());
      ModelEvent tuned =
          events.await(
              "fine-tuned version",
              e ->
                  e.stage().equals(ModelEvent.FINETUNED)
                      && e.task().equals(TASK)
                      && pruned.path().equals(e.parent()),
              Duration.ofMinutes(20),
              e -> {},
              () -> {});
      client.awaitServed(TASK, tuned.version(), Duration.ofSeconds(120));
      Path dir = SystemFixtures.folder(tuned.path());
      try (TextTokenizer tok = TextTokenizer.load(dir.resolve("assets/tokenizer.json"))) {
        TokenBatch b = tok.encode(List.of(train.get(0).text()), null, 512);
        PredictResponse p =
            client.predict(
                PredictRequest.newBuilder()
                    .setModelSpec(
                        ModelSpec.newBuilder()
                            .setName(TASK)
                            .setVersion(Int64Value.of(tuned.version())))
                    .putInputs("input_ids", ServingIT.ints(b.inputIds(), b.size(), b.seqLen()))
                    .putInputs(
                        "attention_mask", ServingIT.ints(b.attentionMask(), b.size(), b.seqLen()))
                    .putInputs(
                        "token_type_ids", ServingIT.ints(b.tokenTypeIds(), b.size(), b.seqLen()))
                    .addOutputFilter("probabilities")
                    .build());
        assertEquals(tuned.version(), p.getModelSpec().getVersion().getValue());
        float[] probs = ServingIT.floats(p.getOutputsOrThrow("probabilities"));
        assertEquals(2, probs.length, "sentiment has two labels");
        assertEquals(1.0, probs[0] + probs[1], 1e-5, "probabilities sum to 1");
      }
    }
  }

  private static void aWrongPasswordIsDownNamingTheKeyAndNothingHangs(Map<String, String> wrong)
      throws Exception {
    String bootstrap = wrong.get("bootstrap.servers");
    LocalSystem sys =
        LocalSystem.prepare(
            bootstrap,
            jvmOptions(
                wrong,
                "-Dppruning.finetuner.serving.scan-interval=1s",
                "-Dppruning.profiler.kafka.probe-interval=2s",
                "-Dppruning.pruner.kafka.probe-interval=2s",
                "-Dppruning.finetuner.kafka.probe-interval=2s"));
    // up waits for readiness, which never comes: it runs on its own thread until the test stops
    // the services (it then fails, as it should, naming the service that exited).
    Thread up =
        new Thread(
            () -> {
              try {
                sys.up();
              } catch (IOException | RuntimeException e) {
                System.err.println("up (expected to fail): " + e.getMessage());
              }
            },
            "secure-it-up");
    up.setDaemon(true);
    long started = System.nanoTime();
    up.start();
    try {
      Map<Service, String> errors = new EnumMap<>(Service.class);
      long deadline = started + Duration.ofSeconds(60 + 60).toNanos(); // JVM start + 60 s
      while (errors.size() < Service.values().length && System.nanoTime() < deadline) {
        for (Service s : Service.values()) {
          if (errors.containsKey(s)) {
            continue;
          }
          JsonNode c = kafkaCheck(sys.httpPort(s), s);
          if (c != null
              && c.path("status").asText().equals("DOWN")
              && c.path("data").path("error").asText().contains("kafka.sasl.jaas.config")) {
            errors.put(s, c.path("data").path("error").asText());
            System.err.printf(
                "%s: DOWN naming the key %.1f s after up: %s%n",
                s.id(), (System.nanoTime() - started) / 1e9, errors.get(s));
          }
        }
        Thread.sleep(500);
      }
      assertEquals(Service.values().length, errors.size(), "DOWN naming the key: " + errors);
      for (String e : errors.values()) {
        assertTrue(e.startsWith("authentication with the Kafka broker at"), e);
        assertTrue(e.contains("kafka.bootstrap.servers=" + bootstrap), e);
        assertTrue(e.contains("invalid credentials"), e);
      }
      // No service hangs: each answers health (above) and stops on SIGTERM within the grace. All
      // three get the signal at once: once one exits, up stops the others and removes their pid
      // files, so signalling them one by one races with it.
      Map<Service, ProcessHandle> running = new EnumMap<>(Service.class);
      for (Service s : Service.values()) {
        PidFile pf = PidFile.read(PidFile.path(sys.runDir(), s)).orElseThrow();
        ProcessHandle h = ProcessHandle.of(pf.pid()).orElse(null);
        assertTrue(h != null && h.isAlive(), s.id() + " (pid " + pf.pid() + ") still runs");
        running.put(s, h);
      }
      long t = System.nanoTime();
      running.values().forEach(ProcessHandle::destroy); // SIGTERM
      for (var e : running.entrySet()) {
        long left = Math.max(0, GRACE.toNanos() - (System.nanoTime() - t));
        try {
          e.getValue().onExit().get(left, TimeUnit.NANOSECONDS);
        } catch (TimeoutException notYet) {
          e.getValue().destroyForcibly();
          throw new AssertionError(e.getKey().id() + " still runs " + GRACE + " after SIGTERM");
        }
        System.err.printf(
            "%s: exited %.1f s after SIGTERM%n", e.getKey().id(), (System.nanoTime() - t) / 1e9);
      }
      up.join(Duration.ofSeconds(60).toMillis());
      assertFalse(up.isAlive(), "up returned once the services were stopped");
    } catch (Throwable failure) {
      // Report this failure, not the cleanup's: up may still hold the run directory's lock.
      try {
        stopAndRelease(sys, up);
      } catch (Throwable cleanup) {
        failure.addSuppressed(cleanup);
      }
      throw failure;
    }
    sys.down();
  }

  /** Stops whatever {@code up} started, waits for it to give the run directory back, then downs. */
  private static void stopAndRelease(LocalSystem sys, Thread up) throws Exception {
    for (Service s : Service.values()) {
      var pf = PidFile.read(PidFile.path(sys.runDir(), s));
      if (pf.isPresent()) {
        Processes.stop(pf.get().pid(), sys.runtime().markers(s), GRACE);
      }
    }
    up.interrupt();
    up.join(Duration.ofSeconds(60).toMillis());
    sys.down();
  }

  /** The {@code <service>-kafka} check of a service's readiness, null while it does not answer. */
  private static JsonNode kafkaCheck(int httpPort, Service s) throws InterruptedException {
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready"))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      for (JsonNode c : JSON.readTree(r.body()).path("checks")) {
        if (c.path("name").asText().equals(s.id() + "-kafka")) {
          return c;
        }
      }
      return null;
    } catch (IOException e) {
      return null; // not listening yet
    }
  }

  /**
   * A broker of this test's own, {@code kafka.sh} with {@code PPRUNING_KAFKA_SECURITY=sasl_ssl}.
   */
  private static final class SecuredBroker {
    final Path dir;
    final int port;

    SecuredBroker(Path dir, int port) {
      this.dir = dir;
      this.port = port;
    }

    /** Starts it; returns the client keys of its client.properties (bootstrap included). */
    Map<String, String> start() throws IOException, InterruptedException {
      assertEquals(0, run("start"), "kafka.sh start (log: " + dir.resolve("kafka.log") + ")");
      Properties p = new Properties();
      try (InputStream in = Files.newInputStream(dir.resolve("secure/client.properties"))) {
        p.load(in);
      }
      Map<String, String> keys = new TreeMap<>();
      p.forEach((k, v) -> keys.put(k.toString(), v.toString()));
      assertEquals("SASL_SSL", keys.get("security.protocol"));
      assertNotNull(keys.get("sasl.jaas.config"));
      return keys;
    }

    void stop() throws IOException, InterruptedException {
      run("stop");
    }

    private int run(String command) throws IOException, InterruptedException {
      Path script = LocalSystem.projectDir().resolve("deploy/kafka/kafka.sh");
      ProcessBuilder pb = new ProcessBuilder(script.toString(), command).inheritIO();
      pb.environment().put("PPRUNING_KAFKA_SECURITY", "sasl_ssl");
      pb.environment().put("PPRUNING_KAFKA_PORT", Integer.toString(port));
      pb.environment().put("PPRUNING_KAFKA_DATA", dir.resolve("data").toString());
      Process proc = pb.start();
      if (!proc.waitFor(180, TimeUnit.SECONDS)) {
        proc.destroy();
        throw new IllegalStateException("kafka.sh " + command + " did not finish in 180 s");
      }
      return proc.exitValue();
    }
  }
}
