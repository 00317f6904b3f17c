package org.ppruning.finetuner.serving;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ppruning.data.Sample;
import org.ppruning.data.Split;
import org.ppruning.data.Tasks;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TokenBatch;
import org.ppruning.model.FloatTensor;
import org.ppruning.serve.Lease;
import org.ppruning.serve.SwapResult;
import org.ppruning.serve.TextInference;
import org.ppruning.serving.tfs.GetModelStatusRequest;
import org.ppruning.serving.tfs.ModelServiceGrpc;
import org.ppruning.serving.tfs.ModelSpec;
import org.ppruning.serving.tfs.PredictResponse;
import org.ppruning.serving.tfs.PredictionServiceGrpc;
import org.ppruning.serving.v1.ClassifyRequest;
import org.ppruning.serving.v1.InferenceGrpc;
import org.ppruning.serving.v1.TextInput;

/**
 * gRPC serving against the same model called in-process, on real fine-tuned MiniLM sentiment models
 * (unpruned and pruned to 50% FLOPs): latency p50/p99 and throughput at batch 1 and 32, for Predict
 * (token ids in, tensors out) and ppruning.v1 Classify (text in, tokenized on the server). One
 * sequential client; sentences from the sentiment dev split. Run by {@code bench/serving}.
 */
@QuarkusTest
@Tag("bench")
class ServingBenchmark {
  @GrpcClient("serving")
  PredictionServiceGrpc.PredictionServiceBlockingStub tfs;

  @GrpcClient("serving")
  InferenceGrpc.InferenceBlockingStub typed;

  @GrpcClient("serving")
  ModelServiceGrpc.ModelServiceBlockingStub models;

  @Inject ServingRegistry registry;

  @Inject ServingCalls servingCalls;

  @Inject io.micrometer.core.instrument.MeterRegistry meters;

  static final String STATUS_PATH = "gRPC GetModelStatus (no model call)";
  static final String HOP_PATH = "in-process serve on a pool thread (token ids)";
  static final String CHAIN_PATH = "in-process serve, then 2 more thread hand-offs (token ids)";
  static final String WORK_PATH = "Predict's work in-process (PredictionGrpcService, no gRPC)";
  final java.util.concurrent.ExecutorService workers =
      java.util.concurrent.Executors.newFixedThreadPool(4);
  final java.util.concurrent.ExecutorService relayA =
      java.util.concurrent.Executors.newSingleThreadExecutor();
  final java.util.concurrent.ExecutorService relayB =
      java.util.concurrent.Executors.newSingleThreadExecutor();

  /** Server-side time (the metrics interceptor: headers in to close) per gRPC cell, summed. */
  final java.util.Map<String, double[]> server = new java.util.HashMap<>();

  /** Count and total nanoseconds of the serving timer of one gRPC method, all codes. */
  private double[] serverTimer(String method) {
    double[] t = new double[2];
    for (var timer : meters.find("ppruning.serving.requests").tag("method", method).timers()) {
      t[0] += timer.count();
      t[1] += timer.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS);
    }
    return t;
  }

  private static String method(String path) {
    if (path.startsWith("gRPC Predict")) {
      return "tensorflow.serving.PredictionService/Predict";
    }
    if (path.startsWith("gRPC ppruning.v1 Classify")) {
      return "ppruning.v1.Inference/Classify";
    }
    if (path.startsWith("gRPC GetModelStatus")) {
      return "tensorflow.serving.ModelService/GetModelStatus";
    }
    return null;
  }

  private static void join(java.util.concurrent.Future<?> f) {
    try {
      f.get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private String serverMean(Cell c) {
    double[] t = server.get(c.task() + c.batch() + c.path());
    return t == null || t[0] == 0
        ? ""
        : String.format(Locale.ROOT, "%.2f (%d calls)", t[1] / t[0] / 1e6, (long) t[0]);
  }

  /** One timed call path of one model at one batch size. */
  record Cell(String task, int batch, String path, int groups, IntConsumer call, List<Double> ms) {}

  @Test
  void grpcVersusInProcessAndPrunedVersusUnpruned() throws Exception {
    Path unpruned = Path.of(System.getProperty("serving.bench.unpruned"));
    Path pruned = Path.of(System.getProperty("serving.bench.pruned"));
    Path out = Path.of(System.getProperty("serving.bench.out", "target/serving-bench.txt"));
    int rounds = Integer.getInteger("serving.bench.rounds", 10);
    List<String> texts =
        Tasks.samples(
                "sentiment",
                Split.DEV,
                ArtifactCache.fromEnvironment(System.getenv(), System.getProperties()),
                System.err)
            .stream()
            .map(Sample::text)
            .toList();
    String[] names = {"bench-unpruned", "bench-pruned"};
    Path[] dirs = {unpruned, pruned};
    List<String> lines = new ArrayList<>();
    List<Lease> leases = new ArrayList<>();
    List<Cell> cells = new ArrayList<>();
    try {
      for (int m = 0; m < 2; m++) {
        SwapResult r = registry.offer(names[m], 1, dirs[m], null);
        assertTrue(r.accepted(), r.reason());
        Lease lease = registry.acquire(names[m], null, null);
        leases.add(lease);
        var v = lease.version();
        String task = names[m];
        for (int batch : new int[] {1, 32}) {
          int groups = texts.size() / batch;
          List<List<String>> inputs = new ArrayList<>();
          List<TokenBatch> batches = new ArrayList<>();
          List<org.ppruning.serving.tfs.PredictRequest> predicts = new ArrayList<>();
          List<ClassifyRequest> classifies = new ArrayList<>();
          for (int g = 0; g < groups; g++) {
            List<String> t = texts.subList(g * batch, g * batch + batch);
            inputs.add(t);
            TokenBatch b = v.tokenizer().encode(t, null, v.maxLength());
            batches.add(b);
            predicts.add(
                ServingGrpcTest.predict(task, b)
                    .addOutputFilter("logits")
                    .addOutputFilter("probabilities")
                    .build());
            ClassifyRequest.Builder c = ClassifyRequest.newBuilder().setModel(task);
            t.forEach(s -> c.addInputs(TextInput.newBuilder().setText(s)));
            classifies.add(c.build());
          }
          // Parity on the real model: gRPC Predict == the served SavedModel in-process.
          float diff = 0;
          for (int g = 0; g < Math.min(groups, 8); g++) {
            FloatTensor direct =
                v.model().serve(batches.get(g), List.of("probabilities")).get("probabilities");
            PredictResponse p = tfs.predict(predicts.get(g));
            float[] viaGrpc = ServingGrpcTest.floats(p.getOutputsOrThrow("probabilities"));
            for (int i = 0; i < viaGrpc.length; i++) {
              diff = Math.max(diff, Math.abs(viaGrpc[i] - direct.data()[i]));
            }
          }
          lines.add(
              String.format(
                  Locale.ROOT,
                  "%s batch %d: max |Predict - in-process|"
                      + " probability difference over %d batches: %g",
                  task,
                  batch,
                  Math.min(groups, 8),
                  diff));
          cells.add(
              new Cell(
                  task,
                  batch,
                  "in-process serve (token ids)",
                  groups,
                  i -> v.model().serve(batches.get(i), List.of("logits", "probabilities")),
                  new ArrayList<>()));
          cells.add(
              new Cell(
                  task,
                  batch,
                  "gRPC Predict (token ids)",
                  groups,
                  i -> tfs.predict(predicts.get(i)),
                  new ArrayList<>()));
          cells.add(
              new Cell(
                  task,
                  batch,
                  "in-process classify (text)",
                  groups,
                  i -> TextInference.classify(v, inputs.get(i), null),
                  new ArrayList<>()));
          cells.add(
              new Cell(
                  task,
                  batch,
                  "gRPC ppruning.v1 Classify (text)",
                  groups,
                  i -> typed.classify(classifies.get(i)),
                  new ArrayList<>()));
          if (batch == 1) {
            // The in-process call handed to a pool thread and waited for, as gRPC's @Blocking
            // hands it to a worker: the cost of the hop and of running TensorFlow on another
            // thread each time, without gRPC.
            cells.add(
                new Cell(
                    task,
                    batch,
                    HOP_PATH,
                    groups,
                    i ->
                        join(
                            workers.submit(
                                () ->
                                    v.model()
                                        .serve(
                                            batches.get(i), List.of("logits", "probabilities")))),
                    new ArrayList<>()));
            // The model call followed by two more hand-offs to idle threads before this thread
            // wakes, as a gRPC answer goes worker -> server event loop -> client event loop ->
            // caller: the cost of waking threads after a model call, without gRPC.
            cells.add(
                new Cell(
                    task,
                    batch,
                    CHAIN_PATH,
                    groups,
                    i ->
                        java.util.concurrent.CompletableFuture.supplyAsync(
                                () ->
                                    v.model()
                                        .serve(batches.get(i), List.of("logits", "probabilities")),
                                workers)
                            .thenApplyAsync(x -> x, relayA)
                            .thenApplyAsync(x -> x, relayB)
                            .join(),
                    new ArrayList<>()));
            // Everything Predict does on the server (decode, limits, gate, lease, model, response
            // protos) called on this thread: Predict minus the transport.
            PredictionGrpcService direct = new PredictionGrpcService(servingCalls);
            cells.add(
                new Cell(
                    task,
                    batch,
                    WORK_PATH,
                    groups,
                    i -> direct.predict(predicts.get(i)).await().indefinitely(),
                    new ArrayList<>()));
            // gRPC without the model: transport, the worker-thread hop and protobuf only.
            GetModelStatusRequest status =
                GetModelStatusRequest.newBuilder()
                    .setModelSpec(ModelSpec.newBuilder().setName(task))
                    .build();
            cells.add(
                new Cell(
                    task,
                    batch,
                    STATUS_PATH,
                    groups,
                    i -> models.getModelStatus(status),
                    new ArrayList<>()));
          }
        }
      }
      // Rounds visit every cell in turn, so that load from other processes spreads evenly
      // over models and paths instead of landing on whichever ran at the time.
      String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
      long t0 = System.nanoTime();
      // Warm-up: a serving process answers thousands of calls before any one matters, so the JIT
      // has compiled the gRPC, Netty and protobuf paths; 20 calls left them interpreted.
      int warmup = Integer.getInteger("serving.bench.warmup", 300);
      for (Cell c : cells) {
        for (int i = 0; i < (c.batch() == 1 ? warmup : 2); i++) {
          c.call().accept(i % c.groups());
        }
      }
      for (int round = 0; round < rounds; round++) {
        for (Cell c : cells) {
          int k = c.batch() == 1 ? 40 : 3;
          String m = method(c.path());
          double[] before = m == null ? null : serverTimer(m);
          for (int i = 0; i < k; i++) {
            int g = (round * k + i) % c.groups();
            long s0 = System.nanoTime();
            c.call().accept(g);
            c.ms().add((System.nanoTime() - s0) / 1e6);
          }
          if (m != null) {
            double[] after = serverTimer(m);
            double[] sum =
                server.computeIfAbsent(c.task() + c.batch() + c.path(), x -> new double[2]);
            sum[0] += after[0] - before[0];
            sum[1] += after[1] - before[1];
          }
        }
      }
      String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
      lines.add(
          0,
          String.format(
              Locale.ROOT,
              "# %d dev sentences, %d interleaved rounds"
                  + " (batch 1: 40 requests per cell and round, batch 32: 3), one sequential client,"
                  + " %d cores, %.0f s; /proc/loadavg before: %s, after: %s",
              texts.size(),
              rounds,
              Runtime.getRuntime().availableProcessors(),
              (System.nanoTime() - t0) / 1e9,
              loadBefore,
              loadAfter));
      lines.add("");
      lines.add(
          "| model | batch | path | p50 ms | p99 ms | mean ms | sequences/s |"
              + " server-side mean ms |");
      lines.add("|---|---|---|---|---|---|---|---|");
      java.util.Map<String, Double> p50 = new java.util.HashMap<>();
      for (Cell c : cells) {
        double[] ms = c.ms().stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = ms.length;
        double mean = Arrays.stream(ms).average().orElseThrow();
        double q50 = ms[(int) Math.round(0.5 * (n - 1))];
        double q99 = ms[(int) Math.round(0.99 * (n - 1))];
        p50.put(c.task() + c.batch() + c.path(), q50);
        lines.add(
            String.format(
                Locale.ROOT,
                "| %s | %d | %s | %.2f | %.2f | %.2f | %.1f | %s |",
                c.task(),
                c.batch(),
                c.path(),
                q50,
                q99,
                mean,
                1000.0 * c.batch() / mean,
                serverMean(c)));
      }
      lines.add("");
      StringBuilder ratio = new StringBuilder("pruned / unpruned p50 latency:");
      for (int batch : new int[] {1, 32}) {
        for (String path :
            List.of(
                "in-process serve (token ids)",
                "gRPC Predict (token ids)",
                "gRPC ppruning.v1 Classify (text)")) {
          ratio.append(
              String.format(
                  Locale.ROOT,
                  " %s batch %d %.2f;",
                  path,
                  batch,
                  p50.get("bench-pruned" + batch + path)
                      / p50.get("bench-unpruned" + batch + path)));
        }
      }
      lines.add(ratio.toString());
      for (String task : names) {
        lines.add(
            String.format(
                Locale.ROOT,
                "%s batch 1 gRPC overhead at p50: Predict - in-process serve %.2f ms,"
                    + " v1 Classify - in-process classify %.2f ms; a GetModelStatus round trip"
                    + " (no model call) %.2f ms; serve on a pool thread - serve %.2f ms;"
                    + " Predict's work in-process - serve %.2f ms",
                task,
                p50.get(task + 1 + "gRPC Predict (token ids)")
                    - p50.get(task + 1 + "in-process serve (token ids)"),
                p50.get(task + 1 + "gRPC ppruning.v1 Classify (text)")
                    - p50.get(task + 1 + "in-process classify (text)"),
                p50.get(task + 1 + STATUS_PATH),
                p50.get(task + 1 + HOP_PATH) - p50.get(task + 1 + "in-process serve (token ids)"),
                p50.get(task + 1 + WORK_PATH)
                    - p50.get(task + 1 + "in-process serve (token ids)")));
      }
    } finally {
      leases.forEach(Lease::close);
      workers.shutdown();
      relayA.shutdown();
      relayB.shutdown();
    }
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.write(out, lines);
    PrintStream o = System.out;
    lines.forEach(o::println);
  }
}
