package org.ppruning.finetuner.serving;

import com.google.protobuf.TextFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ppruning.serve.ModelConfig;
import org.ppruning.serve.ServingConfig;
import org.ppruning.serve.VersionPolicy;
import org.ppruning.serving.tfs.config.FileSystemStoragePathSourceConfig.ServableVersionPolicy;
import org.ppruning.serving.tfs.config.ModelServerConfig;
import org.ppruning.stream.ModelRepository;

/**
 * A TensorFlow Serving {@code models.config}: a {@code ModelServerConfig} in protobuf text format
 * ({@code model_config_list { config { name base_path model_platform model_version_policy
 * version_labels } }}), converted to core's {@link ServingConfig}. {@link #changed()} reads the
 * file again and says whether its content changed, so a running server follows edits. While the
 * file does not exist, every task's newest version is served (as without one).
 */
public final class ModelConfigFile {
  private final Path file;
  private final ModelRepository repository;
  private static final String ABSENT = "absent";
  private Object last; // the bytes read last, ABSENT, or the read error's message

  /** Read whole at every poll: a list of models, never near this (a wrong path could be). */
  static final long MAX_BYTES = 1 << 20;

  public ModelConfigFile(Path file, ModelRepository repository) {
    this.file = file;
    this.repository = repository;
  }

  public Path file() {
    return file;
  }

  /**
   * What the file asks for now: {@code config} is its configuration, or null when the file does not
   * exist (every task's newest version is served).
   */
  public record Change(ServingConfig config) {}

  /**
   * The file's configuration if its content changed since the last call (or on the first call),
   * else null.
   *
   * @throws IllegalArgumentException naming the file and what is wrong with it (unreadable, not a
   *     ModelServerConfig, a refused entry), once per content
   */
  public Change changed() {
    byte[] bytes;
    try {
      long size = Files.size(file);
      if (size > MAX_BYTES) {
        return refuse("is " + size + " bytes; a models.config may have at most " + MAX_BYTES);
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      if (ABSENT.equals(last)) {
        return null;
      }
      last = ABSENT;
      return new Change(null);
    } catch (IOException e) {
      return refuse(
          "cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
    }
    ByteBuffer content = ByteBuffer.wrap(bytes);
    if (content.equals(last)) {
      return null;
    }
    last = content;
    return new Change(
        parse(new String(bytes, StandardCharsets.UTF_8), file.toString(), repository));
  }

  /**
   * Parses a {@code ModelServerConfig} text proto and checks every entry against the repository.
   *
   * @param source the file's name, for messages
   * @throws IllegalArgumentException "models.config SOURCE: " and what is wrong
   */
  public static ServingConfig parse(String text, String source, ModelRepository repository) {
    ModelServerConfig.Builder b = ModelServerConfig.newBuilder();
    try {
      TextFormat.getParser().merge(text, b);
    } catch (TextFormat.ParseException e) {
      throw refused(source, "not a ModelServerConfig text proto: " + e.getMessage());
    }
    if (!b.hasModelConfigList()) {
      throw refused(
          source, "has no model_config_list (the only kind of configuration served here)");
    }
    List<ModelConfig> models = new ArrayList<>();
    int i = 0;
    for (org.ppruning.serving.tfs.config.ModelConfig c : b.getModelConfigList().getConfigList()) {
      i++;
      try {
        models.add(
            ModelConfig.of(
                repository,
                c.getName(),
                c.getBasePath(),
                c.getModelPlatform(),
                policy(c.getModelVersionPolicy()),
                c.getVersionLabelsMap()));
      } catch (IllegalArgumentException e) {
        String which = c.getName().isEmpty() ? "" : " ('" + c.getName() + "')";
        throw refused(source, "config #" + i + which + ": " + e.getMessage());
      }
    }
    try {
      return new ServingConfig(models);
    } catch (IllegalArgumentException e) {
      throw refused(source, e.getMessage());
    }
  }

  private static VersionPolicy policy(ServableVersionPolicy p) {
    return switch (p.getPolicyChoiceCase()) {
      case LATEST -> latest(p.getLatest().getNumVersions());
      case ALL -> new VersionPolicy.All();
      case SPECIFIC -> VersionPolicy.Specific.of(p.getSpecific().getVersionsList());
      case POLICYCHOICE_NOT_SET -> VersionPolicy.latest();
    };
  }

  /** Throws the refusal {@code why} of this file once; null (no change) while it repeats. */
  private Change refuse(String why) {
    if (why.equals(last)) {
      return null;
    }
    last = why;
    throw new IllegalArgumentException("models.config " + file + " " + why);
  }

  /** {@code num_versions} is a uint32: 0 means 1; above Integer.MAX_VALUE is refused. */
  private static VersionPolicy latest(int numVersions) {
    if (numVersions < 0) {
      throw new IllegalArgumentException(
          "latest { num_versions: "
              + Integer.toUnsignedString(numVersions)
              + " } is more versions than can be served");
    }
    return new VersionPolicy.Latest(numVersions == 0 ? 1 : numVersions);
  }

  private static IllegalArgumentException refused(String source, String why) {
    return new IllegalArgumentException("models.config " + source + ": " + why);
  }
}
