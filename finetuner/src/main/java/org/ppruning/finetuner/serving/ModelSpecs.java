package org.ppruning.finetuner.serving;

import org.ppruning.serve.ServedModels;
import org.ppruning.serve.ServingLimits;
import org.ppruning.serving.tfs.ModelSpec;

/** What the TensorFlow Serving services read from a {@code ModelSpec}, checked the same way. */
final class ModelSpecs {
  private ModelSpecs() {}

  /**
   * The model name, checked: not empty (the error lists the served models) and a safe name.
   *
   * @throws io.grpc.StatusRuntimeException or {@link org.ppruning.serve.ServingException}
   *     INVALID_ARGUMENT naming {@code model_spec.name}
   */
  static String name(ModelSpec spec, ServedModels served) {
    if (spec.getName().isEmpty()) {
      throw GrpcErrors.invalid("model_spec.name is empty; served models: " + served.tasks());
    }
    ServingLimits.checkModelName("model_spec.name", spec.getName());
    return spec.getName();
  }

  /** The version number asked for, or null. */
  static Long version(ModelSpec spec) {
    return spec.hasVersion() ? spec.getVersion().getValue() : null;
  }

  /** The version label asked for, or null. */
  static String label(ModelSpec spec) {
    return spec.getVersionChoiceCase() == ModelSpec.VersionChoiceCase.VERSION_LABEL
        ? spec.getVersionLabel()
        : null;
  }
}
