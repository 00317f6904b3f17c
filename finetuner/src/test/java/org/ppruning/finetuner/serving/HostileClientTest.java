package org.ppruning.finetuner.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.ppruning.graph.TokenBatch;
import org.ppruning.serve.ConcurrencyGate;
import org.ppruning.serve.SwapResult;
import org.ppruning.serve.TinyServables;
import org.ppruning.serving.tf.DataType;
import org.ppruning.serving.tf.TensorProto;
import org.ppruning.serving.tf.TensorShapeProto;
import org.ppruning.serving.tfs.ModelSpec;
import org.ppruning.serving.tfs.PredictRequest;
import org.ppruning.serving.tfs.PredictResponse;
import org.ppruning.serving.tfs.PredictionServiceGrpc;
import org.ppruning.serving.v1.ClassifyRequest;
import org.ppruning.serving.v1.ClassifyResponse;
import org.ppruning.serving.v1.InferenceGrpc;
import org.ppruning.serving.v1.TextInput;

/**
 * Hostile clients against the real gRPC server and a tiny real model (vocabulary 50, 24 positions):
 * each request is refused within a second, naming the limit and its key, the heap stays near its
 * idle size, and a good request succeeds afterwards. The concurrency gate runs with its defaults
 * (one model call per processor, twice as many waiting): the test holds every place itself, as slow
 * requests would. (One Quarkus profile for all the module's tests: a second one would restart
 * Quarkus in this JVM, and DJL's native tokenizer library cannot load twice.)
 */
@QuarkusTest
class HostileClientTest {
  static final String KEY = "ppruning.finetuner.serving.limits.";

  @GrpcClient("serving")
  PredictionServiceGrpc.PredictionServiceBlockingStub tfs;

  @GrpcClient("serving")
  InferenceGrpc.InferenceBlockingStub typed;

  @GrpcClient("serving")
  Channel channel;

  @Inject ServingRegistry registry;
  @Inject ServingGate gate;

  static Path tokenizer;

  @BeforeAll
  static void tokenizer() throws Exception {
    tokenizer = TinyServables.tokenizer(Files.createTempDirectory(Path.of("target"), "tok-"));
  }

  private void publish(String task) throws Exception {
    long v = registry.repository().nextVersion(task);
    SwapResult r =
        registry.offer(
            task, TinyServables.write(registry.repository(), task, v, tokenizer, 31, 0.8));
    assertTrue(r.accepted(), r.reason());
  }

  static final TokenBatch GOOD =
      new TokenBatch(1, 3, new int[] {2, 7, 3}, new int[] {1, 1, 1}, new int[3]);

  static TensorProto declared(long... dims) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (long d : dims) {
      s.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    return TensorProto.newBuilder().setDtype(DataType.DT_INT32).setTensorShape(s).build();
  }

  /** DT_INT32 values of {@code value} in tensor_content, as tf.make_tensor_proto writes them. */
  static TensorProto content(int rows, int cols, int value) {
    byte[] b = new byte[rows * cols * 4];
    for (int i = 0; i < b.length; i += 4) {
      b[i] = (byte) value;
    }
    return declared(rows, cols).toBuilder().setTensorContent(ByteString.copyFrom(b)).build();
  }

  static long usedHeapAfterGc() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }

  /** The call fails with one of {@code codes} within a second; returns its description. */
  static String refusedFast(Executable call, Status.Code... codes) {
    long start = System.nanoTime();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    String d = e.getStatus().getDescription();
    assertTrue(List.of(codes).contains(e.getStatus().getCode()), e.getStatus() + "");
    assertTrue(ms < 1000, ms + " ms for " + d);
    return d;
  }

  @Test
  void hostileRequestsAreRefusedFastNamingTheLimitAndTheHeapStaysPut() throws Exception {
    publish("hostile");
    tfs.predict(ServingGrpcTest.predict("hostile", GOOD).build());
    long idle = usedHeapAfterGc();

    List<String> messages = new ArrayList<>();
    Status.Code exhausted = Status.Code.RESOURCE_EXHAUSTED;
    Status.Code invalid = Status.Code.INVALID_ARGUMENT;
    // 1. [2147483647] with no values (the report's ~40-byte request that ended the process)
    messages.add(
        refusedFast(
            () ->
                tfs.predict(
                    ServingGrpcTest.predict("hostile", GOOD)
                        .putInputs("input_ids", declared(Integer.MAX_VALUE))
                        .build()),
            exhausted));
    assertEquals(
        "input 'input_ids' has shape [2147483647]: 2147483647 values exceed the limit of 32768"
            + " tokens per request ("
            + KEY
            + "max-batch-tokens)",
        messages.get(0));
    // 2. [100000000, 512] with no values
    messages.add(
        refusedFast(
            () ->
                tfs.predict(
                    ServingGrpcTest.predict("hostile", GOOD)
                        .putInputs("input_ids", declared(100_000_000, 512))
                        .build()),
            exhausted));
    assertEquals(
        "input 'input_ids' has shape [100000000, 512]: batch 100000000 exceeds the limit of 64"
            + " sequences per request ("
            + KEY
            + "max-batch)",
        messages.get(1));
    // 3. a real 4096 x 128 batch in tensor_content (6 MiB, under the 16 MiB message limit)
    messages.add(
        refusedFast(
            () ->
                tfs.predict(
                    PredictRequest.newBuilder()
                        .setModelSpec(ModelSpec.newBuilder().setName("hostile"))
                        .putInputs("input_ids", content(4096, 128, 5))
                        .putInputs("attention_mask", content(4096, 128, 1))
                        .putInputs("token_type_ids", content(4096, 128, 0))
                        .build()),
            exhausted));
    assertTrue(messages.get(2).contains("batch 4096 exceeds the limit of 64"), messages.get(2));
    assertTrue(messages.get(2).contains(KEY + "max-batch"), messages.get(2));
    // 4. a token id outside the vocabulary
    messages.add(
        refusedFast(
            () ->
                tfs.predict(
                    ServingGrpcTest.predict("hostile", GOOD)
                        .putInputs(
                            "input_ids", ServingGrpcTest.int32(GOOD, new int[] {2, 1_000_000, 3}))
                        .build()),
            invalid));
    assertEquals("input_ids[0, 1] = 1000000 is outside the vocabulary [0, 50)", messages.get(3));
    // 5. 5,000 tokens in one text
    String longText = String.join(" ", Collections.nCopies(4998, "fun"));
    messages.add(
        refusedFast(
            () ->
                typed.classify(
                    ClassifyRequest.newBuilder()
                        .setModel("hostile")
                        .addInputs(TextInput.newBuilder().setText(longText))
                        .build()),
            invalid,
            exhausted));
    assertTrue(
        messages.get(4).contains("has 5000 tokens, more than the limit of 24"), messages.get(4));
    assertTrue(messages.get(4).contains(KEY + "max-tokens-per-text"), messages.get(4));
    // the same as a tensor: [1, 5000]
    messages.add(
        refusedFast(
            () ->
                tfs.predict(
                    ServingGrpcTest.predict("hostile", GOOD)
                        .putInputs("input_ids", declared(1, 5000))
                        .build()),
            exhausted));
    assertTrue(messages.get(5).contains("sequence length 5000 exceeds the limit of 24"));
    // 6. a path as model name, on both APIs
    messages.add(
        refusedFast(
            () -> tfs.predict(ServingGrpcTest.predict("../../etc/passwd", GOOD).build()), invalid));
    assertEquals(
        "model_spec.name '../../etc/passwd' has the character '/' at 2; a model name holds only"
            + " [A-Za-z0-9._-]",
        messages.get(6));
    messages.add(
        refusedFast(
            () ->
                typed.classify(
                    ClassifyRequest.newBuilder()
                        .setModel("../../etc/passwd")
                        .addInputs(TextInput.newBuilder().setText("fun"))
                        .build()),
            invalid));
    // 7. a message above the 16 MiB inbound limit, refused by grpc-java before it is parsed
    messages.add(
        refusedFast(
            () ->
                tfs.predict(
                    PredictRequest.newBuilder()
                        .setModelSpec(ModelSpec.newBuilder().setName("hostile"))
                        .putInputs("input_ids", content(4096, 1100, 5))
                        .build()),
            exhausted));
    assertTrue(messages.get(8).contains("16777216"), messages.get(8));

    long after = usedHeapAfterGc();
    System.out.printf(
        "hostile: idle heap %d MB, after %d MB; %s%n", idle >> 20, after >> 20, messages);
    assertTrue(after < 2 * idle, "heap " + (after >> 20) + " MB, idle " + (idle >> 20) + " MB");

    PredictResponse ok = tfs.predict(ServingGrpcTest.predict("hostile", GOOD).build());
    assertEquals(2, ok.getOutputsOrThrow("probabilities").getFloatValCount());
    ClassifyResponse c =
        typed.classify(
            ClassifyRequest.newBuilder()
                .setModel("hostile")
                .addInputs(TextInput.newBuilder().setText("a fun story"))
                .build());
    assertEquals(1, c.getResultsCount());
  }

  @Test
  void beyondTheQueueIsResourceExhaustedAndAQueuedRequestPastItsDeadlineNeverRuns()
      throws Exception {
    publish("busy");
    PredictRequest good = ServingGrpcTest.predict("busy", GOOD).build();
    ConcurrencyGate g = gate.gate();
    long deadlinesBefore = g.refusedDeadline();
    // Every model call in flight: held here as slow requests would hold them.
    List<ConcurrencyGate.Permit> inFlight = new ArrayList<>();
    List<CompletableFuture<StatusRuntimeException>> queued = new ArrayList<>();
    try {
      for (int i = 0; i < g.maxRunning(); i++) {
        inFlight.add(g.enter(Long.MAX_VALUE));
      }
      for (int i = 0; i < g.maxQueued(); i++) {
        queued.add(
            CompletableFuture.supplyAsync(
                () ->
                    assertThrows(
                        StatusRuntimeException.class,
                        () -> tfs.withDeadlineAfter(1500, TimeUnit.MILLISECONDS).predict(good))));
      }
      long start = System.nanoTime();
      while (g.waiting() < g.maxQueued()
          && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5)) {
        Thread.sleep(5);
      }
      assertEquals(g.maxQueued(), g.waiting());
      String busy = refusedFast(() -> tfs.predict(good), Status.Code.RESOURCE_EXHAUSTED);
      assertEquals(
          "server busy: "
              + g.maxRunning()
              + " model calls running ("
              + KEY
              + "max-concurrent) and "
              + g.maxQueued()
              + " waiting ("
              + KEY
              + "max-queued); try again later",
          busy);
      for (CompletableFuture<StatusRuntimeException> q : queued) {
        assertEquals(
            Status.Code.DEADLINE_EXCEEDED, q.get(10, TimeUnit.SECONDS).getStatus().getCode());
      }
      // the server's gate gave up on each queued request at its deadline: none of them ran
      start = System.nanoTime();
      while (g.refusedDeadline() < deadlinesBefore + g.maxQueued()
          && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5)) {
        Thread.sleep(10);
      }
      assertEquals(deadlinesBefore + g.maxQueued(), g.refusedDeadline());
      assertEquals(0, g.waiting());
    } finally {
      inFlight.forEach(ConcurrencyGate.Permit::close);
    }
    assertEquals(0, g.running());
    assertEquals(2, tfs.predict(good).getOutputsOrThrow("probabilities").getFloatValCount());
  }
}
