package org.ppruning.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ppruning.system.SystemFixtures.TASK;

import com.sun.net.httpserver.HttpServer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ppruning.data.Sample;
import org.ppruning.data.Tasks;
import org.ppruning.demo.InferenceClient;
import org.ppruning.demo.SampleProducer;
import org.ppruning.deploy.monitoring.Dashboard;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.local.Service;
import org.ppruning.stream.ModelEvent;
import org.ppruning.stream.Topics;

/**
 * Issue 18, operations, on the packaged services with tracing on (OTLP over HTTP to a receiver in
 * this test): the sentiment train split, every record carrying one W3C {@code traceparent}, goes to
 * a pruned and a fine-tuned version; that trace id is in the headers of the task's summary records,
 * of the pruned event and of the fine-tuned event (each time with a span id of the service that
 * sent it), and each of the three services exported spans of that trace. Then, after serving calls
 * (one OK, one NOT_FOUND) and a malformed summary record, every metric the Grafana dashboard
 * queries is in the {@code /q/metrics} of the service that owns it ({@code ppruning_profiler_*}:
 * profiler, {@code ppruning_pruner_*}: pruner, {@code ppruning_finetuner_*} and {@code
 * ppruning_serving_*}: finetuner, everything else: all three).
 */
@Tag("system")
class OperationsIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void traceGoesFromSampleToModelEventsAndDashboardMetricsExist() throws Exception {
    List<Sample> train =
        Tasks.splits(
                TASK,
                ArtifactCache.fromEnvironment(System.getenv(), System.getProperties()),
                System.err)
            .train();
    List<byte[]> exported = new CopyOnWriteArrayList<>();
    HttpServer otlp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    otlp.createContext(
        "/", // OTLP/HTTP posts to /v1/traces; any path is taken
        x -> {
          try (InputStream in = x.getRequestBody()) {
            boolean gzip =
                "gzip".equalsIgnoreCase(x.getRequestHeaders().getFirst("Content-Encoding"));
            exported.add((gzip ? new GZIPInputStream(in) : in).readAllBytes());
          }
          x.getResponseHeaders().add("Content-Type", "application/x-protobuf");
          x.sendResponseHeaders(200, -1); // an empty ExportTraceServiceResponse
          x.close();
        });
    otlp.start();
    String trace = SampleProducer.newTraceparent();
    String traceId = trace.substring(3, 35);
    List<String> jvm =
        List.of(
            "-Dppruning.pruner.min-samples=" + train.size(),
            "-Dppruning.finetuner.training.epochs=1",
            "-Dppruning.finetuner.training.train-rows=640",
            "-Dppruning.finetuner.serving.scan-interval=1s",
            "-Dquarkus.otel.sdk.disabled=false",
            "-Dquarkus.otel.exporter.otlp.traces.protocol=http/protobuf",
            "-Dquarkus.otel.exporter.otlp.traces.endpoint=http://127.0.0.1:"
                + otlp.getAddress().getPort(),
            "-Dquarkus.otel.bsp.schedule.delay=1s");
    try (LocalSystem sys = LocalSystem.start(null, jvm);
        KafkaConsumer<String, byte[]> read = consumer(sys.bootstrap());
        InferenceClient client = new InferenceClient("127.0.0.1", sys.grpcPort())) {
      read.subscribe(List.of(Topics.SUMMARIES, Topics.MODELS));
      try (SampleProducer producer = new SampleProducer(sys.bootstrap()).traced(trace)) {
        producer.ensureTopic();
        producer.send(TASK, train, n -> {});
      }
      Map<String, List<String>> seen = awaitFineTuned(read, Duration.ofMinutes(30));
      for (String what : List.of(Topics.SUMMARIES, ModelEvent.PRUNED, ModelEvent.FINETUNED)) {
        assertTrue(seen.containsKey(what), what + " not seen: " + seen.keySet());
        for (String tp : seen.get(what)) {
          assertEquals(traceId, tp.substring(3, 35), what + " continues the samples' trace: " + tp);
          assertNotEquals(trace, tp, what + " is sent in a span of its own: " + tp);
        }
      }
      ModelEvent tuned =
          ModelEvent.fromJson(seen.get("event").get(0).getBytes(StandardCharsets.UTF_8));

      // Work that registers the lazily created meters: serving calls, a malformed summary.
      client.awaitServed(TASK, tuned.version(), Duration.ofSeconds(120));
      assertEquals(
          tuned.version(), client.classify(TASK, tuned.version(), "Great.", null).getVersion());
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class, () -> client.classify("no-such-model", 0, "x", null));
      assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
      sendMalformedSummary(sys.bootstrap());
      SystemFixtures.awaitMetric(
          sys,
          Service.PRUNER,
          "ppruning_pruner_summaries_rejected_total",
          "",
          v -> v >= 1,
          Duration.ofSeconds(60));

      assertEquals(List.of(), missingDashboardMetrics(sys));
      for (String service : List.of("ppruning-profiler", "ppruning-pruner", "ppruning-finetuner")) {
        awaitExported(exported, service, HexFormat.of().parseHex(traceId), Duration.ofSeconds(60));
      }
    } finally {
      otlp.stop(0);
    }
  }

  /**
   * The traceparent headers of the test task's summary records, pruned and fine-tuned events, until
   * a fine-tuned event arrived ("event": that event's JSON).
   */
  private static Map<String, List<String>> awaitFineTuned(
      KafkaConsumer<String, byte[]> read, Duration timeout) {
    Map<String, List<String>> seen = new TreeMap<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (ConsumerRecord<String, byte[]> r : read.poll(Duration.ofMillis(500))) {
        if (!TASK.equals(r.key())) {
          continue;
        }
        String what = r.topic();
        if (r.topic().equals(Topics.MODELS)) {
          what = ModelEvent.fromJson(r.value()).stage();
          if (what.equals(ModelEvent.FINETUNED)) {
            seen.put("event", List.of(new String(r.value(), StandardCharsets.UTF_8)));
          }
        }
        Header h = r.headers().lastHeader("traceparent");
        String tp = h == null ? "none" : new String(h.value(), StandardCharsets.UTF_8);
        seen.computeIfAbsent(what, k -> new ArrayList<>()).add(tp);
      }
      if (seen.containsKey(ModelEvent.FINETUNED)) {
        return seen;
      }
    }
    throw new AssertionError("no fine-tuned event within " + timeout + "; seen " + seen);
  }

  /** Dashboard metrics not in the /q/metrics of a service that should expose them. */
  private static List<String> missingDashboardMetrics(LocalSystem sys) throws Exception {
    Map<Service, Set<String>> exposed = new EnumMap<>(Service.class);
    for (Service s : Service.values()) {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(sys.http(s).resolve("/q/metrics")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), s.id() + " /q/metrics");
      exposed.put(s, Dashboard.exposed(r.body()));
    }
    Set<String> names =
        Dashboard.load(
                LocalSystem.projectDir().resolve("deploy/k8s/monitoring/ppruning-dashboard.json"))
            .metricNames();
    assertTrue(names.size() >= 40, "dashboard metrics: " + names);
    List<String> missing = new ArrayList<>();
    for (String name : names) {
      List<Service> owners =
          name.startsWith("ppruning_profiler_")
              ? List.of(Service.PROFILER)
              : name.startsWith("ppruning_pruner_")
                  ? List.of(Service.PRUNER)
                  : name.startsWith("ppruning_finetuner_") || name.startsWith("ppruning_serving_")
                      ? List.of(Service.FINETUNER)
                      : List.of(Service.values());
      for (Service s : owners) {
        if (!exposed.get(s).contains(name)) {
          missing.add(name + " (not in " + s.id() + "'s /q/metrics)");
        }
      }
    }
    return missing;
  }

  /** Waits until an OTLP export of {@code service} holds a span of the trace (its raw id bytes). */
  private static void awaitExported(
      List<byte[]> exported, String service, byte[] traceId, Duration timeout)
      throws InterruptedException {
    byte[] name = service.getBytes(StandardCharsets.UTF_8);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (byte[] body : exported) {
        if (indexOf(body, name) >= 0 && indexOf(body, traceId) >= 0) {
          return;
        }
      }
      Thread.sleep(500);
    }
    throw new AssertionError(
        service
            + " exported no span of trace "
            + HexFormat.of().formatHex(traceId)
            + " in "
            + timeout.toSeconds()
            + " s ("
            + exported.size()
            + " exports received)");
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static void sendMalformedSummary(String bootstrap) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      producer
          .send(
              new ProducerRecord<>(
                  Topics.SUMMARIES, TASK, "not a summary".getBytes(StandardCharsets.UTF_8)))
          .get();
    }
  }

  private static KafkaConsumer<String, byte[]> consumer(String bootstrap) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "operations-it-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 1000); // sees the services' topics appear
    return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
  }
}
