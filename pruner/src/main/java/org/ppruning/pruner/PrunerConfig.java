package org.ppruning.pruner;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.ppruning.service.KafkaSettings;

/** Settings of the pruner service, read from {@code ppruning.pruner.*} (see docs/streaming.md). */
@ConfigMapping(prefix = "ppruning.pruner")
public interface PrunerConfig {

  /** Working directory; must be writable for readiness. */
  Path workDir();

  /** Model repository root: {@code <root>/<task>/<version>/saved_model.pb}. */
  Path repository();

  /** Where the checkpoint ({@code checkpoint.bin}) is kept. */
  Path stateDir();

  /** Base model of tasks without an entry in {@link #models()}: catalog name or folder. */
  @WithDefault("all-minilm-l6-v2")
  String defaultModel();

  /** Base model per task, e.g. {@code ppruning.pruner.models.sentiment=bert-base-uncased}. */
  Map<String, String> models();

  /** Fraction of encoder FLOPs to keep. */
  @WithDefault("0.5")
  double flopsKeep();

  /** p-pruning, random, weight-magnitude or activation. */
  @WithDefault("p-pruning")
  String method();

  /** reference or direct. */
  @WithDefault("reference")
  String linkage();

  /** FFN cost removed per unit of attention cost removed. */
  @WithDefault("5")
  double lambda();

  /** Token-sampling seed; summaries of another seed are rejected. */
  @WithDefault("42")
  long seed();

  /** k, sampled tokens per unit feature; summaries of another k are rejected. */
  @WithDefault("200")
  int tokens();

  /**
   * none, bias or least-squares: how the kept units are compensated (as {@code prune
   * --compensation}; fitted on the summaries' compensation rows, fit original).
   */
  @WithDefault("none")
  String compensation();

  /**
   * Token rows the summaries keep for compensation (their {@code compensation_rows}); must equal
   * the profiler's; 0: none (then compensation must be none). Summaries of another value are
   * rejected.
   */
  @WithDefault("0")
  int compensationRows();

  /** Least-squares ridge relative to the mean Gram diagonal (as {@code --compensation-ridge}). */
  @WithDefault("0.01")
  double compensationRidge();

  /** Samples before the first pruning of a task. */
  @WithDefault("3000")
  long minSamples();

  /** New samples between re-clusterings. */
  @WithDefault("1000")
  long everySamples();

  /**
   * A re-clustering writes a version only if more than this fraction of the kept units (heads and
   * neurons by original index; Jaccard distance) differs from the latest version.
   */
  @WithDefault("0.05")
  double minChange();

  /** Checkpointing. */
  Checkpoint checkpoint();

  /** Wait before the consumer loop starts again after a Kafka failure. */
  @WithDefault("2s")
  Duration restartBackoff();

  /**
   * Kafka side: {@code kafka.{enabled, group, topics.summaries, topics.models, partitions,
   * consumer.*, producer.*}}; the broker is the shared {@code kafka.bootstrap.servers}.
   */
  KafkaSettings kafka();

  /** When the checkpoint is written (also after every version and on shutdown). */
  interface Checkpoint {
    /** After this many summary records. */
    @WithDefault("200")
    int everySummaries();

    /** Or after this long with unsaved records. */
    @WithDefault("30s")
    Duration interval();
  }
}
