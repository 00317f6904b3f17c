package org.ppruning.profiler;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.ppruning.service.KafkaSettings;

/**
 * Settings of the profiler service, read from {@code ppruning.profiler.*} (defaults: the batch
 * {@code prune} command's; docs/streaming.md lists them). The broker is the standard {@code
 * kafka.bootstrap.servers}.
 */
@ConfigMapping(prefix = "ppruning.profiler")
public interface ProfilerConfig {

  /** Directory for scratch files; created if missing, must be writable for readiness. */
  Path workDir();

  /** The model of every task not in {@link #models}: a catalog name or a SavedModel folder. */
  @WithDefault("all-minilm-l6-v2")
  String defaultModel();

  /** Per-task models ({@code ppruning.profiler.models.TASK=NAME|DIR}). */
  Map<String, String> models();

  /** The tasks this profiler serves; records of other tasks go to the dead-letter topic. */
  @WithDefault("sentiment,grammar,paraphrase,spam,sotu,moby-dick")
  List<String> knownTasks();

  /** Token sampling seed (the prune command's {@code --seed}). */
  @WithDefault("42")
  long seed();

  /**
   * What the models' sessions compute in while profiling: {@code fp32} or {@code bf16}
   * (TensorFlow's oneDNN bfloat16 rewrite; docs/serving.md). Anything else, or bf16 where
   * TensorFlow would skip the rewrite, stops the service naming this key.
   */
  @WithDefault("fp32")
  String precision();

  /** k, the sampled tokens per summary stream (the prune command's {@code --tokens}). */
  @WithDefault("200")
  int tokens();

  /**
   * Token rows kept for the pruner's compensation (the summaries' {@code compensation_rows}): the
   * stream keeps the max(tokens, this) smallest token keys; 0: none, else 16 to 65,536 as on the
   * pruner. Must equal the pruner's {@code compensation-rows}.
   */
  @WithDefault("0")
  int compensationRows();

  /**
   * Records per batch (per partition): a batch is one summary and one offset commit. Larger batches
   * send fewer token rows that a later batch displaces from the bottom-k (about k (1 + ln(N /
   * batch)) rows for N samples), at the cost of latency.
   */
  @WithDefault("256")
  int batchSize();

  /**
   * Rows of every {@code profile} run (a batch's samples grouped by padded length, each in its own
   * row): the summaries' {@code rows_per_run}. The pruner expects 8 and refuses others.
   */
  @WithDefault("8")
  int runSize();

  /** How long a partial batch waits for more records after its first one arrived. */
  @WithDefault("200ms")
  Duration linger();

  /**
   * The largest sample record accepted, in bytes: key, value and headers (larger: TOO_LARGE, before
   * parsing; its dead letter is truncated if it does not fit the producer's requests).
   */
  @WithDefault("65536")
  int maxRecordBytes();

  /** The largest summary record, in bytes; summaries are split into chunks below it. */
  @WithDefault("524288")
  int maxSummaryBytes();

  /**
   * {@code reject} (TOO_LONG) or {@code truncate} (counted) for samples over the model's positions.
   */
  @WithDefault("reject")
  String tooLong();

  /**
   * Kafka: {@code kafka.group} (default {@code ppruning-profiler}; instances of one group share the
   * sample partitions), {@code kafka.topics.samples|dlq|summaries}, {@code kafka.partitions} and
   * {@code kafka.replication-factor} of the topics it creates, per-client overrides {@code
   * kafka.consumer|producer|admin.*}. The broker: {@code kafka.bootstrap.servers}.
   */
  KafkaSettings kafka();

  /** Wait before the consumer loop starts again after a Kafka failure. */
  @WithDefault("2s")
  Duration restartBackoff();
}
