package org.ppruning.finetuner;

import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * Serving limits ({@code ppruning.finetuner.serving.limits.*}, part of {@link FinetunerConfig}):
 * what one request may ask for and how many run at once.
 */
public interface ServingLimitSettings {
  /** Most sequences (texts, tensor rows) per request. */
  @WithDefault("64")
  int maxBatch();

  /** Most tokens per request: batch x padded sequence length. */
  @WithDefault("32768")
  int maxBatchTokens();

  /** Most tokens per text (special tokens included); 0 means each model's positions. */
  @WithDefault("0")
  int maxTokensPerText();

  /** Most tokens one Generate call may produce. */
  @WithDefault("64")
  int maxNewTokens();

  /** Most float values one Predict response may carry (4 bytes each; default 64 MiB). */
  @WithDefault("16777216")
  long maxResponseValues();

  /** Model calls at a time; default: the number of processors. */
  Optional<Integer> maxConcurrent();

  /**
   * Requests waiting for a model call beyond those; default: twice {@code max-concurrent}, at least
   * 16.
   */
  Optional<Integer> maxQueued();

  /** The longest a request waits for a model call (unless its deadline is earlier). */
  @WithDefault("5s")
  Duration maxQueueWait();
}
