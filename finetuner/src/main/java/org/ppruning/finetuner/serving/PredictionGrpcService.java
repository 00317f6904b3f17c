package org.ppruning.finetuner.serving;

import com.google.protobuf.Any;
import com.google.protobuf.Int64Value;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.FloatTensor;
import org.ppruning.serve.Lease;
import org.ppruning.serve.ServedVersion;
import org.ppruning.serve.TensorInputs;
import org.ppruning.serve.TextBatch;
import org.ppruning.serve.TextInference;
import org.ppruning.serving.tf.SignatureDef;
import org.ppruning.serving.tfs.Class;
import org.ppruning.serving.tfs.ClassificationRequest;
import org.ppruning.serving.tfs.ClassificationResponse;
import org.ppruning.serving.tfs.ClassificationResult;
import org.ppruning.serving.tfs.Classifications;
import org.ppruning.serving.tfs.GetModelMetadataRequest;
import org.ppruning.serving.tfs.GetModelMetadataResponse;
import org.ppruning.serving.tfs.ModelSpec;
import org.ppruning.serving.tfs.PredictRequest;
import org.ppruning.serving.tfs.PredictResponse;
import org.ppruning.serving.tfs.PredictionService;
import org.ppruning.serving.tfs.SignatureDefMap;
import org.tensorflow.Signature;

/**
 * {@code tensorflow.serving.PredictionService} (Predict, Classify, GetModelMetadata),
 * wire-compatible with TensorFlow Serving: a model name is a task id, a version must be the served
 * one (or a label {@code latest}/{@code stable}), the signature is {@code serving_default}.
 * Classify reads UTF-8 text from the tf.Example bytes features {@code text} and {@code text_pair}.
 */
@GrpcService
public class PredictionGrpcService implements PredictionService {
  static final String PREDICT_METHOD = "tensorflow/serving/predict";

  private final ServingRegistry registry;
  private final ServingGate gate;

  PredictionGrpcService(ServingRegistry registry, ServingGate gate) {
    this.registry = registry;
    this.gate = gate;
  }

  @Override
  @Blocking
  public Uni<PredictResponse> predict(PredictRequest request) {
    return answer(
        request.getModelSpec(),
        true,
        lease -> {
          ServedVersion v = lease.version();
          Map<String, TensorInputs.IntTensor> inputs = new LinkedHashMap<>();
          request
              .getInputsMap()
              .forEach(
                  (name, t) ->
                      inputs.put(name, TensorProtos.ints(name, t, gate.limits(), v.maxLength())));
          var batch = TensorInputs.toBatch(v, inputs, v.maxLength());
          List<String> outputs = TensorInputs.outputs(v, request.getOutputFilterList());
          gate.limits()
              .checkResponse(TensorInputs.outputValues(v, outputs, batch.size(), batch.seqLen()));
          PredictResponse.Builder r = PredictResponse.newBuilder().setModelSpec(answered(v));
          for (Map.Entry<String, FloatTensor> e : v.model().serve(batch, outputs).entrySet()) {
            r.putOutputs(e.getKey(), TensorProtos.floats(e.getValue()));
          }
          return r.build();
        });
  }

  @Override
  @Blocking
  public Uni<ClassificationResponse> classify(ClassificationRequest request) {
    return answer(
        request.getModelSpec(),
        true,
        lease -> {
          ServedVersion v = lease.version();
          TextBatch texts = ExampleTexts.read(request.getInput());
          ClassificationResult.Builder result = ClassificationResult.newBuilder();
          for (TextInference.Classification c :
              TextInference.classify(v, texts.texts(), texts.pairsOrNull(), gate.limits())) {
            Classifications.Builder cs = Classifications.newBuilder();
            for (int j = 0; j < c.labels().size(); j++) {
              cs.addClasses(Class.newBuilder().setLabel(c.labels().get(j)).setScore(c.scores()[j]));
            }
            result.addClassifications(cs);
          }
          return ClassificationResponse.newBuilder()
              .setModelSpec(answered(v))
              .setResult(result)
              .build();
        });
  }

  @Override
  @Blocking
  public Uni<GetModelMetadataResponse> getModelMetadata(GetModelMetadataRequest request) {
    return answer(
        request.getModelSpec(),
        false,
        lease -> {
          if (request.getMetadataFieldCount() == 0) {
            throw GrpcErrors.invalid("metadata_field is empty; supported: [signature_def]");
          }
          for (String f : request.getMetadataFieldList()) {
            if (!f.equals("signature_def")) {
              throw GrpcErrors.invalid(
                  "metadata_field '" + f + "' is not supported;" + " supported: [signature_def]");
            }
          }
          ServedVersion v = lease.version();
          Signature s = v.model().servingSignature();
          SignatureDef.Builder def = SignatureDef.newBuilder().setMethodName(PREDICT_METHOD);
          s.getInputs().forEach((k, d) -> def.putInputs(k, TensorProtos.info(d)));
          s.getOutputs().forEach((k, d) -> def.putOutputs(k, TensorProtos.info(d)));
          SignatureDefMap map =
              SignatureDefMap.newBuilder()
                  .putSignatureDef(TransformerModel.SERVING, def.build())
                  .build();
          return GetModelMetadataResponse.newBuilder()
              .setModelSpec(answered(v))
              .putMetadata("signature_def", Any.pack(map))
              .build();
        });
  }

  /**
   * Leases the version a model spec names, runs {@code body} (through the gate if it calls the
   * model), maps every failure to a status.
   */
  private <T> Uni<T> answer(ModelSpec spec, boolean modelCall, Function<Lease, T> body) {
    try {
      String name = ModelSpecs.name(spec, registry.served());
      String sig = spec.getSignatureName();
      if (!sig.isEmpty() && !sig.equals(TransformerModel.SERVING)) {
        throw GrpcErrors.invalid(
            "model_spec.signature_name '"
                + sig
                + "' is not served;"
                + " signatures: ["
                + TransformerModel.SERVING
                + "]");
      }
      Long version = ModelSpecs.version(spec);
      String label = ModelSpecs.label(spec);
      Supplier<T> call =
          () -> {
            try (Lease lease = registry.acquire(name, version, label)) {
              return body.apply(lease);
            }
          };
      return Uni.createFrom().item(modelCall ? gate.run(call) : call.get());
    } catch (RuntimeException e) {
      return Uni.createFrom().failure(GrpcErrors.status(e));
    }
  }

  private static ModelSpec answered(ServedVersion v) {
    return ModelSpec.newBuilder()
        .setName(v.task())
        .setVersion(Int64Value.of(v.version()))
        .setSignatureName(TransformerModel.SERVING)
        .build();
  }
}
