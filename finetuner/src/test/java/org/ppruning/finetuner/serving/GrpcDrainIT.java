package org.ppruning.finetuner.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.ppruning.graph.TokenBatch;
import org.ppruning.model.TinyModels;
import org.ppruning.serve.TinyServables;
import org.ppruning.serving.tfs.PredictRequest;
import org.ppruning.serving.tfs.PredictionServiceGrpc;
import org.ppruning.stream.ModelRepository;

/**
 * The packaged finetuner stopped with SIGTERM while 16 clients, each on its own connection, send
 * Predict requests back to back (a tiny real model, real TensorFlow, the real gRPC server): every
 * call ends OK or UNAVAILABLE (which a client may retry), never INTERNAL, UNKNOWN or CANCELLED;
 * calls still answer after the signal; the process logs that its gRPC server stopped and its calls
 * finished, and no {@code IndexOutOfBoundsException} (the race of Quarkus' legacy gRPC server that
 * {@link GrpcDrain} avoids).
 */
class GrpcDrainIT {
  static final Path DIR = Path.of("target/grpc-drain-it").toAbsolutePath();
  static final String TASK = "drain";
  static final int CLIENTS = 16;

  /** One call as a client saw it: when it started and ended (nanoTime) and its status. */
  record Call(long start, long end, Status.Code code, String message) {}

  @Test
  void sigtermUnderLoadEndsEveryCallOkOrUnavailable() throws Exception {
    ModelRepository repo = new ModelRepository(DIR.resolve("repo"));
    Path tokenizer = TinyServables.tokenizer(DIR.resolve("tok"));
    TinyServables.write(repo, TASK, repo.nextVersion(TASK), tokenizer, 7, 0.8);
    int grpc = freePort();
    int http = freePort();
    Path log = DIR.resolve("finetuner.log");
    Process p = start(repo.root(), grpc, http, log);
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      awaitReady(http, p, log);
      TokenBatch b = TinyModels.batch(50, 7, 6);
      PredictRequest request =
          ServingGrpcTest.predict(TASK, b).addOutputFilter("probabilities").build();
      awaitServed(grpc, request);
      ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> clients = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        ManagedChannel c =
            ManagedChannelBuilder.forAddress("127.0.0.1", grpc).usePlaintext().build();
        channels.add(c);
        PredictionServiceGrpc.PredictionServiceBlockingStub stub =
            PredictionServiceGrpc.newBlockingStub(c);
        Thread t = new Thread(() -> load(stub, request, stop, calls), "client-" + i);
        t.start();
        clients.add(t);
      }
      Thread.sleep(5000);
      long sigterm = System.nanoTime();
      p.destroy(); // SIGTERM
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the finetuner did not exit within 60 s");
      Thread.sleep(500); // clients now meet a closed port: UNAVAILABLE
      stop.set(true);
      for (Thread t : clients) {
        t.join(30_000);
      }

      Map<Status.Code, Integer> codes = new TreeMap<>();
      List<String> bad = new ArrayList<>();
      int okAfterSigterm = 0;
      for (Call c : calls) {
        codes.merge(c.code(), 1, Integer::sum);
        if (c.code() != Status.Code.OK && c.code() != Status.Code.UNAVAILABLE) {
          bad.add(c.code() + ": " + c.message());
        }
        if (c.code() == Status.Code.OK && c.end() > sigterm) {
          okAfterSigterm++;
        }
      }
      String summary = "calls by status " + codes + ", OK after SIGTERM " + okAfterSigterm;
      System.out.println(summary);
      assertEquals(List.of(), bad, summary);
      assertTrue(codes.getOrDefault(Status.Code.OK, 0) >= CLIENTS, summary);
      assertTrue(codes.getOrDefault(Status.Code.UNAVAILABLE, 0) > 0, summary);
      assertTrue(okAfterSigterm > 0, summary);
      String out = Files.readString(log);
      assertTrue(out.contains("gRPC server stopped and its calls finished"), out);
      assertFalse(out.contains("IndexOutOfBoundsException"), out);
    } finally {
      p.destroyForcibly();
      for (ManagedChannel c : channels) {
        c.shutdownNow();
      }
    }
  }

  private static void load(
      PredictionServiceGrpc.PredictionServiceBlockingStub stub,
      PredictRequest request,
      AtomicBoolean stop,
      ConcurrentLinkedQueue<Call> calls) {
    while (!stop.get()) {
      long t0 = System.nanoTime();
      try {
        stub.withDeadlineAfter(20, TimeUnit.SECONDS).predict(request);
        calls.add(new Call(t0, System.nanoTime(), Status.Code.OK, ""));
      } catch (StatusRuntimeException e) {
        calls.add(
            new Call(t0, System.nanoTime(), e.getStatus().getCode(), e.getStatus().toString()));
        if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
          sleep(20); // the server is gone: do not spin
        }
      }
    }
  }

  private static Process start(Path repo, int grpc, int http, Path log) throws IOException {
    Path jar = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();
    assertTrue(Files.isRegularFile(jar), "packaged finetuner missing: " + jar);
    List<String> cmd =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
            "-Dppruning.finetuner.work-dir=" + DIR.resolve("work"),
            "-Dppruning.finetuner.training.enabled=false",
            "-Dppruning.finetuner.serving.repository=" + repo,
            "-Dquarkus.grpc.server.port=" + grpc,
            "-Dquarkus.http.port=" + http,
            "-Dkafka.bootstrap.servers=127.0.0.1:9",
            "-jar",
            jar.toString());
    Files.createDirectories(log.getParent());
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** Waits until /q/health/ready is 200 (the served version is loaded by then). */
  private static void awaitReady(int http, Process p, Path log) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    HttpRequest ready =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/q/health/ready")).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < deadline) {
      assertTrue(p.isAlive(), () -> "the finetuner exited: " + read(log));
      try {
        if (client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    throw new AssertionError("the finetuner was not ready within 180 s: " + read(log));
  }

  /** Waits until the version is served (the start scan loads it, maybe after readiness). */
  private static void awaitServed(int grpc, PredictRequest request) throws InterruptedException {
    ManagedChannel c = ManagedChannelBuilder.forAddress("127.0.0.1", grpc).usePlaintext().build();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      StatusRuntimeException last = null;
      while (System.nanoTime() < deadline) {
        try {
          PredictionServiceGrpc.newBlockingStub(c).predict(request);
          return;
        } catch (StatusRuntimeException e) {
          last = e;
          Thread.sleep(250);
        }
      }
      throw new AssertionError("model '" + TASK + "' not served within 120 s: " + last);
    } finally {
      c.shutdownNow();
    }
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
