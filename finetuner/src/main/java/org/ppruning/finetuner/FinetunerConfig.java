package org.ppruning.finetuner;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.ppruning.service.KafkaSettings;

/** Settings of the finetuner service, read from {@code ppruning.finetuner.*}. */
@ConfigMapping(prefix = "ppruning.finetuner")
public interface FinetunerConfig {

  /** Directory for fine-tuned SavedModels; created if missing, must be writable for readiness. */
  Path workDir();

  /** gRPC serving of the fine-tuned versions ({@code ppruning.finetuner.serving.*}). */
  Serving serving();

  /** Fine-tuning of each new pruned version ({@code ppruning.finetuner.training.*}). */
  Training training();

  /**
   * Kafka ({@code ppruning.finetuner.kafka.*}): the models topic ({@code topics.models}) the pruned
   * versions come from and the fine-tuned ones go to; group default {@code ppruning-finetuner}.
   * Training needs both this and {@code training.enabled}.
   */
  KafkaSettings kafka();

  /** Defaults are the {@code finetune} command's. */
  interface Training {
    /** Off: no consumer of model events (the service only serves). */
    @WithDefault("true")
    boolean enabled();

    /**
     * The pruner's repository: a pruned event is refused unless its folder is its version's folder
     * inside this root (symlinks and '..' resolved) and holds a valid model (default {@code
     * ${work-dir}/../pruner/models}, the pruner's default beside this service's work dir).
     */
    Path prunedRepository();

    /** How many times a job runs at most when it fails for a transient reason (I/O, broker). */
    @WithDefault("3")
    int attempts();

    /** The wait before a job's second attempt; doubled for each further one. */
    @WithDefault("10s")
    Duration retryDelay();

    /** Built-in task whose labelled train/dev/test splits are used; default: the event's task. */
    Optional<String> dataset();

    /**
     * Train on this many rows of the train split, chosen by the seed ({@code finetune
     * --train-rows}); unset: all of them.
     */
    Optional<Integer> trainRows();

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

    /**
     * Pre-trained model (catalog name or folder) each pruned version is distilled from while it
     * fine-tunes ({@code finetune --teacher}); unset: the task loss alone.
     */
    Optional<String> teacher();

    /** Weight of the teacher's loss ({@code finetune --distill-weight}). */
    @WithDefault("10")
    float distillWeight();

    /**
     * Whether the teacher's weight falls linearly to zero over training, else stays constant
     * ({@code finetune --distill-decay}).
     */
    @WithDefault("true")
    boolean distillDecay();
  }

  /** Serving of the fine-tuned versions ({@code ppruning.finetuner.serving.*}). */
  interface Serving {
    /**
     * The serving repository, {@code <root>/<task>/<version>/}: scanned at start and periodically.
     */
    Path repository();

    /** Time between repository scans; 0 scans only at start. */
    @WithDefault("30s")
    Duration scanInterval();

    /**
     * What one request may ask for and how many run at once ({@code
     * ppruning.finetuner.serving.limits.*}, docs/serving.md); checked before anything is allocated
     * or a model is called.
     */
    ServingLimitSettings limits();

    /**
     * A TensorFlow Serving {@code models.config} ({@code ModelServerConfig} text proto,
     * docs/serving.md): only the models it lists are served, with their version policy and labels.
     * Unset: every task of the repository serves its newest good version.
     */
    Optional<Path> modelConfigFile();

    /** How often {@code model-config-file} is read for changes; 0 reads it only at start. */
    @WithDefault("10s")
    Duration modelConfigPollInterval();

    /**
     * At shutdown, how long the gRPC server may take to finish the calls it is running after it
     * stops taking new ones (clients get GOAWAY and reconnect elsewhere); the rest are cancelled.
     */
    @WithDefault("10s")
    Duration drainTimeout();

    /**
     * What every served version's session computes in: {@code fp32} or {@code bf16} (TensorFlow's
     * oneDNN bfloat16 rewrite of the same SavedModel; docs/serving.md). Anything else, or bf16
     * where TensorFlow would skip the rewrite, is refused at start naming this key.
     */
    @WithDefault("fp32")
    String precision();

    /** ListModels returns each version's folder on the server only if this is true. */
    @WithDefault("false")
    boolean exposePaths();

    /**
     * Refuse a new version whose recorded value of this metric (e.g. accuracy) is worse than the
     * served version's; unset swaps in every version that loads and warms up.
     */
    Optional<String> refuseWorseMetric();

    /** How much worse (absolute) the metric may be and still be swapped in. */
    @WithDefault("0")
    double metricTolerance();

    /** TLS of the gRPC and HTTP servers ({@code serving.tls.*}); all unset: plaintext. */
    Tls tls();

    /** Bearer token on the gRPC calls ({@code serving.auth.*}); unset: no token needed. */
    Auth auth();
  }

  /**
   * PEM files; mapped onto Quarkus' {@code quarkus.grpc.server.ssl.*} and {@code
   * quarkus.http.ssl.*} in application.properties and by {@link
   * org.ppruning.finetuner.serving.ServingTls}.
   */
  interface Tls {
    /** Server certificate chain (PEM): TLS on the gRPC server and HTTPS on the HTTP ssl-port. */
    Optional<Path> cert();

    /** The certificate's private key (PEM, PKCS#8 or PKCS#1). */
    Optional<Path> key();

    /** CA certificates (PEM) for client certificates: set, the gRPC server requires one (mTLS). */
    Optional<Path> clientCa();
  }

  /** Checked by {@link org.ppruning.finetuner.serving.BearerTokenInterceptor}. */
  interface Auth {
    /** The token every gRPC call but {@code grpc.health.v1.Health} must carry. */
    Optional<String> token();

    /** A file holding the token (a Kubernetes Secret); trailing whitespace is ignored. */
    Optional<Path> tokenFile();
  }
}
