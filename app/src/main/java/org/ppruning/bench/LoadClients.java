package org.ppruning.bench;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.ppruning.graph.TokenBatch;
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
import org.ppruning.tokenize.TextTokenizer;

/**
 * Concurrent gRPC clients of the finetuner, each on its own channel (its own TCP connection), each
 * sending one request after the other until {@link #stop}: TF Serving Predict with the token ids of
 * one sentence (tokenized here, as a TF Serving client does) and ppruning.v1 Classify of the next
 * sentence (tokenized by the server), alternately. Every request is recorded with its outcome and
 * the version that answered. With {@code retryUnavailable}, a request that fails {@code
 * UNAVAILABLE} is sent once more as a new call; its outcome is the retry's.
 */
final class LoadClients {
  /** Per-call deadline: a call stuck in a dead connection fails instead of hanging the bench. */
  static final long DEADLINE_MS = 30_000;

  /**
   * One request: when it started and ended (System.nanoTime), its final status, the version that
   * answered (0 if none), whether it was retried and why.
   */
  record Call(
      int client,
      String kind,
      long start,
      long end,
      Status.Code code,
      String error,
      long version,
      Status.Code retriedAfter) {
    double millis() {
      return (end - start) / 1e6;
    }
  }

  private final String host;
  private final int port;
  private final String model;
  private final List<String> texts;
  private final TextTokenizer tokenizer;
  private final boolean retryUnavailable;
  private final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean stopped;

  LoadClients(
      String host,
      int port,
      String model,
      List<String> texts,
      TextTokenizer tokenizer,
      boolean retryUnavailable) {
    this.host = host;
    this.port = port;
    this.model = model;
    this.texts = texts;
    this.tokenizer = tokenizer;
    this.retryUnavailable = retryUnavailable;
  }

  /** Starts {@code n} clients. */
  void start(int n) {
    for (int c = 0; c < n; c++) {
      int client = c;
      Thread t = new Thread(() -> run(client, n), "load-client-" + c);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  /** Stops the clients after their current request; returns every request recorded. */
  List<Call> stop() throws InterruptedException {
    stopped = true;
    for (Thread t : threads) {
      t.join(DEADLINE_MS * 3);
    }
    synchronized (calls) {
      return List.copyOf(calls);
    }
  }

  private void run(int client, int clients) {
    ManagedChannel ch = NettyChannelBuilder.forAddress(host, port).usePlaintext().build();
    try {
      var predict = PredictionServiceGrpc.newBlockingStub(ch);
      var classify = InferenceGrpc.newBlockingStub(ch);
      // Each client walks the sentences from its own offset.
      for (int i = client * (texts.size() / clients); !stopped; i++) {
        String text = texts.get(i % texts.size());
        boolean isPredict = i % 2 == 0;
        LongSupplier rpc =
            () ->
                isPredict
                    ? predict(predict.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS), text)
                    : classify(
                        classify.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS), text);
        String kind = isPredict ? "Predict" : "Classify";
        long t0 = System.nanoTime();
        Call call = attempt(client, kind, t0, rpc, null);
        if (retryUnavailable && call.code() == Status.Code.UNAVAILABLE) {
          call = attempt(client, kind, t0, rpc, Status.Code.UNAVAILABLE); // once, as a new call
        }
        calls.add(call);
      }
    } finally {
      ch.shutdownNow();
    }
  }

  /** Sends one call; its outcome, timed from {@code t0} (the first attempt's start). */
  private static Call attempt(
      int client, String kind, long t0, LongSupplier rpc, Status.Code retried) {
    try {
      long v = rpc.getAsLong();
      return new Call(client, kind, t0, System.nanoTime(), Status.Code.OK, null, v, retried);
    } catch (StatusRuntimeException e) {
      Status s = e.getStatus();
      return new Call(
          client, kind, t0, System.nanoTime(), s.getCode(), s.getDescription(), 0, retried);
    } catch (RuntimeException e) {
      String error = "bad answer: " + e.getMessage();
      return new Call(client, kind, t0, System.nanoTime(), Status.Code.UNKNOWN, error, 0, retried);
    }
  }

  /**
   * A Predict of one sentence's token ids; checks the answer holds 2 probabilities summing to 1.
   */
  private long predict(PredictionServiceGrpc.PredictionServiceBlockingStub stub, String text) {
    TokenBatch b = tokenizer.encode(List.of(text), null, 128);
    PredictResponse r =
        stub.predict(
            PredictRequest.newBuilder()
                .setModelSpec(ModelSpec.newBuilder().setName(model))
                .putInputs("input_ids", int32(b, b.inputIds()))
                .putInputs("attention_mask", int32(b, b.attentionMask()))
                .putInputs("token_type_ids", int32(b, b.tokenTypeIds()))
                .addOutputFilter("probabilities")
                .build());
    TensorProto p = r.getOutputsOrThrow("probabilities");
    checkProbabilities(p.getFloatValCount() == 2 ? p.getFloatVal(0) + p.getFloatVal(1) : -1, text);
    return r.getModelSpec().getVersion().getValue();
  }

  private long classify(InferenceGrpc.InferenceBlockingStub stub, String text) {
    ClassifyResponse r =
        stub.classify(
            ClassifyRequest.newBuilder()
                .setModel(model)
                .addInputs(TextInput.newBuilder().setText(text))
                .build());
    if (r.getResultsCount() != 1) {
      throw new IllegalStateException(r.getResultsCount() + " results for one text");
    }
    var res = r.getResults(0);
    double sum = 0;
    for (var s : res.getScoresList()) {
      sum += s.getScore();
    }
    checkProbabilities(res.getScoresCount() == 2 ? sum : -1, text);
    return r.getVersion();
  }

  private static void checkProbabilities(double sum, String text) {
    if (Math.abs(sum - 1) > 1e-3) {
      throw new IllegalStateException(
          "probabilities of '" + text + "' are not 2 values summing to 1 (sum " + sum + ")");
    }
  }

  private static TensorProto int32(TokenBatch b, int[] values) {
    TensorProto.Builder t =
        TensorProto.newBuilder()
            .setDtype(DataType.DT_INT32)
            .setTensorShape(
                TensorShapeProto.newBuilder()
                    .addDim(TensorShapeProto.Dim.newBuilder().setSize(b.size()))
                    .addDim(TensorShapeProto.Dim.newBuilder().setSize(b.seqLen())));
    for (int x : values) {
      t.addIntVal(x);
    }
    return t.build();
  }
}
