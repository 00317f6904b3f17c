package org.ppruning.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.ppruning.stream.ModelRepository;

/**
 * One entry of a {@code models.config} (TensorFlow Serving's {@code ModelConfig}): a model, which
 * of its versions are served and the version labels an operator assigned.
 *
 * <p>The model's folder must be a task folder of the serving repository, {@code <root>/<name>}: the
 * served name is the folder's name, and nothing outside the repository is ever read.
 *
 * @param name the model's name, which is also its task folder
 * @param policy which versions are served
 * @param labels version label -> version (e.g. {@code stable -> 3}); {@code latest} and {@code
 *     stable} not given here name the newest served version
 */
public record ModelConfig(String name, VersionPolicy policy, Map<String, Long> labels) {
  public ModelConfig {
    ModelRepository.checkTask(name);
    if (policy == null) {
      policy = VersionPolicy.latest();
    }
    labels = labels == null ? Map.of() : new TreeMap<>(labels);
    for (Map.Entry<String, Long> e : labels.entrySet()) {
      if (e.getKey() == null || e.getKey().isBlank()) {
        throw new IllegalArgumentException("model '" + name + "': a version label has no name");
      }
      if (e.getValue() == null || e.getValue() < 1) {
        throw new IllegalArgumentException(
            "model '"
                + name
                + "': version label '"
                + e.getKey()
                + "' must name a version >= 1, got "
                + e.getValue());
      }
    }
    labels = java.util.Collections.unmodifiableMap(labels);
  }

  /**
   * Checks a {@code models.config} entry against the repository and builds it.
   *
   * @param basePath the model's folder: {@code <root>/<name>}, absolute or relative to the root
   *     (symlinks and '..' resolved); empty means {@code <root>/<name>}
   * @param platform {@code tensorflow} or empty; anything else is refused
   * @throws IllegalArgumentException naming the model and the path or value that is refused
   */
  public static ModelConfig of(
      ModelRepository repository,
      String name,
      String basePath,
      String platform,
      VersionPolicy policy,
      Map<String, Long> labels) {
    try {
      ModelRepository.checkTask(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("model name: " + e.getMessage(), e);
    }
    if (platform != null && !platform.isEmpty() && !platform.equals("tensorflow")) {
      throw new IllegalArgumentException(
          "model '"
              + name
              + "': model_platform '"
              + platform
              + "' is not served; only 'tensorflow' (SavedModels) is");
    }
    if (basePath != null && !basePath.isEmpty()) {
      checkBasePath(repository, name, basePath);
    }
    return new ModelConfig(name, policy, labels);
  }

  private static void checkBasePath(ModelRepository repository, String name, String basePath) {
    Path root = real(repository.root());
    Path given = Path.of(basePath);
    Path p = real(repository.root().resolve(given)); // an absolute path replaces the root
    Path expected = root.resolve(name);
    if (!p.equals(expected)) {
      throw new IllegalArgumentException(
          "model '"
              + name
              + "': base_path "
              + basePath
              + " (resolved: "
              + p
              + ") is not the model's folder in the serving repository; it must be "
              + expected
              + " (a model's folder is <repository>/<name>; nothing outside the repository is"
              + " served)");
    }
  }

  private static Path real(Path p) {
    Path abs = p.toAbsolutePath().normalize();
    try {
      return Files.exists(abs) ? abs.toRealPath() : abs;
    } catch (IOException e) {
      return abs;
    }
  }
}
