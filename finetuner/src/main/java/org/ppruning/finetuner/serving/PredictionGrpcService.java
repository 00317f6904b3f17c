package org.ppruning.finetuner.serving;

import com.google.protobuf.Any;
import com.google.protobuf.Int64Value;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.FloatTensor;
import org.ppruning.serve.TensorInputs;
import org.ppruning.serve.TextInference;
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

/**
 * {@code tensorflow.serving.PredictionService} (Predict, Classify, GetModelMetadata),
 * wire-compatible with TensorFlow Serving: a model name is a task id; {@code model_spec.version}
 * must be a served version and {@code version_label} a label of one (models.config's {@code
 * version_labels}, else {@code latest}/{@code stable}); neither: the newest served version. The
 * signature is {@code serving_default}. Classify reads UTF-8 text from the tf.Example bytes
 * features {@code text} and {@code text_pair}. The protos are decoded and encoded here; the work is
 * {@link ServingCalls}', shared with REST.
 */
@GrpcService
public class PredictionGrpcService implements PredictionService {
  private final ServingCalls calls;

  PredictionGrpcService(ServingCalls calls) {
    this.calls = calls;
  }

  @Override
  @Blocking
  public Uni<PredictResponse> predict(PredictRequest request) {
    return answer(
        () -> {
          var a =
              calls.predict(
                  target(request.getModelSpec()),
                  v -> {
                    Map<String, TensorInputs.IntTensor> inputs = new LinkedHashMap<>();
                    request
                        .getInputsMap()
                        .forEach(
                            (name, t) ->
                                inputs.put(
                                    name,
                                    TensorProtos.ints(name, t, calls.limits(), v.maxLength())));
                    return inputs;
                  },
                  request.getOutputFilterList());
          PredictResponse.Builder r = PredictResponse.newBuilder().setModelSpec(answered(a));
          for (Map.Entry<String, FloatTensor> e : a.value().entrySet()) {
            r.putOutputs(e.getKey(), TensorProtos.floats(e.getValue()));
          }
          return r.build();
        });
  }

  @Override
  @Blocking
  public Uni<ClassificationResponse> classify(ClassificationRequest request) {
    return answer(
        () -> {
          var a =
              calls.classify(
                  target(request.getModelSpec()), () -> ExampleTexts.read(request.getInput()));
          ClassificationResult.Builder result = ClassificationResult.newBuilder();
          for (TextInference.Classification c : a.value()) {
            Classifications.Builder cs = Classifications.newBuilder();
            for (int j = 0; j < c.labels().size(); j++) {
              cs.addClasses(Class.newBuilder().setLabel(c.labels().get(j)).setScore(c.scores()[j]));
            }
            result.addClassifications(cs);
          }
          return ClassificationResponse.newBuilder()
              .setModelSpec(answered(a))
              .setResult(result)
              .build();
        });
  }

  @Override
  @Blocking
  public Uni<GetModelMetadataResponse> getModelMetadata(GetModelMetadataRequest request) {
    return answer(
        () -> {
          ServingCalls.Target target = target(request.getModelSpec());
          checkFields(request.getMetadataFieldList());
          var a = calls.signatures(target);
          return GetModelMetadataResponse.newBuilder()
              .setModelSpec(answered(a))
              .putMetadata("signature_def", Any.pack(a.value()))
              .build();
        });
  }

  private static void checkFields(List<String> fields) {
    if (fields.isEmpty()) {
      throw GrpcErrors.invalid("metadata_field is empty; supported: [signature_def]");
    }
    for (String f : fields) {
      if (!f.equals("signature_def")) {
        throw GrpcErrors.invalid(
            "metadata_field '" + f + "' is not supported;" + " supported: [signature_def]");
      }
    }
  }

  /** Runs {@code body}, mapping every failure to a gRPC status. */
  private static <T> Uni<T> answer(Supplier<T> body) {
    try {
      return Uni.createFrom().item(body.get());
    } catch (RuntimeException e) {
      return Uni.createFrom().failure(GrpcErrors.status(e));
    }
  }

  private static ServingCalls.Target target(ModelSpec spec) {
    return new ServingCalls.Target(
        "model_spec.name",
        spec.getName(),
        ModelSpecs.version(spec),
        ModelSpecs.label(spec),
        "model_spec.signature_name",
        spec.getSignatureName());
  }

  private static ModelSpec answered(ServingCalls.Answer<?> a) {
    return ModelSpec.newBuilder()
        .setName(a.task())
        .setVersion(Int64Value.of(a.version()))
        .setSignatureName(TransformerModel.SERVING)
        .build();
  }
}
