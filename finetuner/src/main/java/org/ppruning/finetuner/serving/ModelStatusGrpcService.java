package org.ppruning.finetuner.serving;

import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import org.ppruning.serve.VersionStatus;
import org.ppruning.serving.tf.Code;
import org.ppruning.serving.tfs.GetModelStatusRequest;
import org.ppruning.serving.tfs.GetModelStatusResponse;
import org.ppruning.serving.tfs.ModelService;
import org.ppruning.serving.tfs.ModelSpec;
import org.ppruning.serving.tfs.ModelVersionStatus;
import org.ppruning.serving.tfs.StatusProto;

/**
 * {@code tensorflow.serving.ModelService.GetModelStatus}, wire-compatible with TensorFlow Serving:
 * the status of the version a model spec names (by number or label), or of every version the server
 * knows of, newest first, from core's {@code ServedModels.status}. A version that was refused or
 * failed to load is END with status UNKNOWN and the reason; any other is OK. An unknown model,
 * version or label is NOT_FOUND naming it; the name is checked as for Predict.
 */
@GrpcService
public class ModelStatusGrpcService implements ModelService {
  private final ServingRegistry registry;

  ModelStatusGrpcService(ServingRegistry registry) {
    this.registry = registry;
  }

  @Override
  @Blocking
  public Uni<GetModelStatusResponse> getModelStatus(GetModelStatusRequest request) {
    try {
      ModelSpec spec = request.getModelSpec();
      String task = ModelSpecs.name(spec, registry.served());
      GetModelStatusResponse.Builder r = GetModelStatusResponse.newBuilder();
      for (VersionStatus s :
          registry.served().status(task, ModelSpecs.version(spec), ModelSpecs.label(spec))) {
        r.addModelVersionStatus(proto(s));
      }
      return Uni.createFrom().item(r.build());
    } catch (RuntimeException e) {
      return Uni.createFrom().failure(GrpcErrors.status(e));
    }
  }

  /** One version's status as TensorFlow Serving writes it (its status always set, OK or not). */
  static ModelVersionStatus proto(VersionStatus s) {
    StatusProto.Builder status = StatusProto.newBuilder();
    if (s.error() == null) {
      status.setErrorCode(Code.OK);
    } else {
      status.setErrorCode(Code.UNKNOWN).setErrorMessage(s.error());
    }
    return ModelVersionStatus.newBuilder()
        .setVersion(s.version())
        .setState(state(s.state()))
        .setStatus(status)
        .build();
  }

  private static ModelVersionStatus.State state(VersionStatus.State s) {
    return switch (s) {
      case LOADING -> ModelVersionStatus.State.LOADING;
      case AVAILABLE -> ModelVersionStatus.State.AVAILABLE;
      case UNLOADING -> ModelVersionStatus.State.UNLOADING;
      case END -> ModelVersionStatus.State.END;
    };
  }
}
