package org.ppruning.finetuner.serving;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.FloatTensor;
import org.ppruning.serve.Lease;
import org.ppruning.serve.ServedVersion;
import org.ppruning.serve.ServingException;
import org.ppruning.serve.ServingLimits;
import org.ppruning.serve.TensorInputs;
import org.ppruning.serve.TextBatch;
import org.ppruning.serve.TextInference;
import org.ppruning.serving.tf.SignatureDef;
import org.ppruning.serving.tfs.SignatureDefMap;
import org.tensorflow.Signature;

/**
 * The transport-neutral work of TensorFlow Serving's Predict, Classify and GetModelMetadata, shared
 * by gRPC ({@link PredictionGrpcService}) and REST ({@link RestApi}): the model name and signature
 * checks, the lease on the version asked for, the concurrency gate around every model call, and
 * core's limits. Refusals are core's {@link ServingException}s; each transport maps them.
 */
@ApplicationScoped
public class ServingCalls {
  static final String PREDICT_METHOD = "tensorflow/serving/predict";

  private final ServingRegistry registry;
  private final ServingGate gate;

  ServingCalls(ServingRegistry registry, ServingGate gate) {
    this.registry = registry;
    this.gate = gate;
  }

  /**
   * The model version a request names.
   *
   * @param field what the transport calls the model name, for messages
   * @param version a version number, or null
   * @param label a version label, or null or empty
   * @param signatureField what the transport calls the signature name, for messages
   * @param signature the signature asked for; null or empty means {@code serving_default}
   */
  record Target(
      String field,
      String name,
      Long version,
      String label,
      String signatureField,
      String signature) {}

  /** An answer and the version that gave it. */
  record Answer<T>(String task, long version, T value) {}

  ServingLimits limits() {
    return gate.limits();
  }

  /**
   * Predict: {@code decode} turns the request's inputs into integer tensors once the version is
   * known (its longest sequence bounds them); the model runs through the gate.
   */
  Answer<Map<String, FloatTensor>> predict(
      Target target,
      Function<ServedVersion, Map<String, TensorInputs.IntTensor>> decode,
      List<String> outputFilter) {
    return call(
        target,
        true,
        v -> {
          var batch = TensorInputs.toBatch(v, decode.apply(v), v.maxLength());
          List<String> outputs = TensorInputs.outputs(v, outputFilter);
          gate.limits()
              .checkResponse(TensorInputs.outputValues(v, outputs, batch.size(), batch.seqLen()));
          return v.model().serve(batch, outputs);
        });
  }

  /**
   * Predict on inputs a transport decoded without knowing the version (REST's JSON): each input's
   * shape is checked against core's limits for the version leased (its longest sequence, tokens per
   * text) before {@link TensorInputs#toBatch} checks values and vocabulary; all outputs.
   */
  Answer<Map<String, FloatTensor>> predict(
      Target target, Map<String, TensorInputs.IntTensor> inputs) {
    return predict(
        target,
        v -> {
          inputs.forEach((name, t) -> gate.limits().checkShape(name, t.shape(), v.maxLength()));
          return inputs;
        },
        List.of());
  }

  /** Classify the texts {@code read} gives (read once the version is leased, inside the gate). */
  Answer<List<TextInference.Classification>> classify(Target target, Supplier<TextBatch> read) {
    return call(
        target,
        true,
        v -> {
          TextBatch texts = read.get();
          return TextInference.classify(v, texts.texts(), texts.pairsOrNull(), gate.limits());
        });
  }

  /** GetModelMetadata's {@code signature_def}: the serving signature's inputs and outputs. */
  Answer<SignatureDefMap> signatures(Target target) {
    return call(
        target,
        false,
        v -> {
          Signature s = v.model().servingSignature();
          SignatureDef.Builder def = SignatureDef.newBuilder().setMethodName(PREDICT_METHOD);
          s.getInputs().forEach((k, d) -> def.putInputs(k, TensorProtos.info(d)));
          s.getOutputs().forEach((k, d) -> def.putOutputs(k, TensorProtos.info(d)));
          return SignatureDefMap.newBuilder()
              .putSignatureDef(TransformerModel.SERVING, def.build())
              .build();
        });
  }

  /**
   * Checks the target, leases the version it names and runs {@code body} on it, through the gate if
   * it calls the model.
   */
  private <T> Answer<T> call(Target t, boolean modelCall, Function<ServedVersion, T> body) {
    if (t.name() == null || t.name().isEmpty()) {
      throw invalid(t.field() + " is empty; served models: " + registry.served().tasks());
    }
    ServingLimits.checkModelName(t.field(), t.name());
    String sig = t.signature();
    if (sig != null && !sig.isEmpty() && !sig.equals(TransformerModel.SERVING)) {
      throw invalid(
          t.signatureField()
              + " '"
              + sig
              + "' is not served; signatures: ["
              + TransformerModel.SERVING
              + "]");
    }
    Supplier<Answer<T>> run =
        () -> {
          try (Lease lease = registry.acquire(t.name(), t.version(), t.label())) {
            ServedVersion v = lease.version();
            return new Answer<>(v.task(), v.version(), body.apply(v));
          }
        };
    return modelCall ? gate.run(run) : run.get();
  }

  static ServingException invalid(String message) {
    return new ServingException(ServingException.Code.INVALID_ARGUMENT, message);
  }
}
