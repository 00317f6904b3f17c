package org.ppruning.demo;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.ppruning.serving.tfs.PredictRequest;
import org.ppruning.serving.tfs.PredictResponse;
import org.ppruning.serving.tfs.PredictionServiceGrpc;
import org.ppruning.serving.v1.ClassifyRequest;
import org.ppruning.serving.v1.ClassifyResponse;
import org.ppruning.serving.v1.InferenceGrpc;
import org.ppruning.serving.v1.ListModelsRequest;
import org.ppruning.serving.v1.ServedModel;
import org.ppruning.serving.v1.TextInput;

/**
 * A plain grpc-java client of the finetuner's serving API: {@code ppruning.v1.Inference} and
 * TensorFlow Serving's {@code PredictionService}, through the finetuner's generated blocking stubs.
 */
public final class InferenceClient implements AutoCloseable {
  private final String target;
  private final ManagedChannel channel;
  private final InferenceGrpc.InferenceBlockingStub inference;
  private final PredictionServiceGrpc.PredictionServiceBlockingStub prediction;

  public InferenceClient(String host, int port) {
    this.target = host + ":" + port;
    this.channel =
        NettyChannelBuilder.forAddress(host, port)
            .usePlaintext()
            .maxInboundMessageSize(256 * 1024 * 1024)
            .build();
    this.inference = InferenceGrpc.newBlockingStub(channel);
    this.prediction = PredictionServiceGrpc.newBlockingStub(channel);
  }

  /** The version of {@code model} served now, or 0 if none. */
  public long servedVersion(String model) {
    for (ServedModel m :
        inference.listModels(ListModelsRequest.getDefaultInstance()).getModelsList()) {
      if (m.getModel().equals(model)) {
        return m.getVersion();
      }
    }
    return 0;
  }

  /**
   * Waits until {@code model} is served at {@code version} or later (the finetuner scans its
   * repository periodically).
   */
  public ServedModel awaitServed(String model, long version, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      try {
        for (ServedModel m :
            inference
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .listModels(ListModelsRequest.getDefaultInstance())
                .getModelsList()) {
          if (m.getModel().equals(model) && m.getVersion() >= version) {
            return m;
          }
        }
        last = "not served yet";
      } catch (StatusRuntimeException e) {
        last = e.getStatus().toString();
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException(
        "model '"
            + model
            + "' version "
            + version
            + " is not served by "
            + target
            + " after "
            + timeout.toSeconds()
            + " s ("
            + last
            + ")");
  }

  /**
   * {@code ppruning.v1} Classify of one text (or pair) by {@code model} at {@code version} (0:
   * served).
   */
  public ClassifyResponse classify(String model, long version, String text, String pairOrNull) {
    TextInput.Builder in = TextInput.newBuilder().setText(text);
    if (pairOrNull != null) {
      in.setTextPair(pairOrNull);
    }
    return inference.classify(
        ClassifyRequest.newBuilder().setModel(model).setVersion(version).addInputs(in).build());
  }

  /** TensorFlow Serving Predict. */
  public PredictResponse predict(PredictRequest request) {
    return prediction.predict(request);
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
