package org.ppruning.finetuner;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How the finetuner fine-tunes each new pruned version ({@code ppruning.finetuner.training.*}).
 * Defaults are the {@code finetune} command's.
 */
@ConfigMapping(prefix = "ppruning.finetuner.training")
public interface TrainingConfig {
  /** Off: no consumer of model events (the service only serves). */
  @WithDefault("true")
  boolean enabled();

  /** Where fine-tuned versions go, laid out like TensorFlow Serving's model repository. */
  Optional<Path> repository();

  /** Built-in task whose labelled train/dev/test splits are used; default: the event's task. */
  Optional<String> dataset();

  @WithDefault("3")
  int epochs();

  @WithDefault("5e-5")
  float lr();

  @WithDefault("32")
  int batch();

  @WithDefault("128")
  int maxLen();

  @WithDefault("42")
  long seed();

  @WithDefault("ppruning-finetuner")
  String groupId();
}
