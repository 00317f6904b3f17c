package org.ppruning.serve;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@code models.config} asks to serve (TensorFlow Serving's {@code model_config_list}): only
 * the models listed are served, each with its version policy and labels. Models of the repository
 * not listed are not served (and unloaded if they were).
 */
public record ServingConfig(List<ModelConfig> models) {
  public ServingConfig {
    models = List.copyOf(models);
    Map<String, ModelConfig> seen = new LinkedHashMap<>();
    for (ModelConfig m : models) {
      if (seen.put(m.name(), m) != null) {
        throw new IllegalArgumentException("model '" + m.name() + "' is configured twice");
      }
    }
  }

  /** The entry of {@code name}, or null if the model is not listed. */
  public ModelConfig model(String name) {
    for (ModelConfig m : models) {
      if (m.name().equals(name)) {
        return m;
      }
    }
    return null;
  }

  /** The listed model names, in the file's order. */
  public List<String> names() {
    return models.stream().map(ModelConfig::name).toList();
  }
}
