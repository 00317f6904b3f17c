package org.ppruning.pruning.run;

import java.util.Locale;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.pruning.Budget;
import org.ppruning.pruning.clustering.LinkageMode;

/**
 * The settings of one P-pruning run, shared by {@code ppruning prune} and the pruner service so
 * that both choose the same units from the same samples. Build them with {@link #builder()}, which
 * starts from the defaults of {@code ppruning prune} ({@link #defaults()}) and names every value it
 * changes:
 *
 * <pre>{@code
 * PruneSettings s = PruneSettings.builder().method(Method.RANDOM).flopsKeep(0.4).seed(7).build();
 * }</pre>
 *
 * @param method how units are chosen
 * @param linkage REFERENCE (as the paper's code) or DIRECT
 * @param kind what the budget counts
 * @param keep fraction of the cost to keep, in (0, 1]
 * @param lambda FFN cost removed per unit of attention cost removed
 * @param headsKeep if not null, fraction of attention cost to keep (overrides the split)
 * @param neuronsKeep if not null, fraction of FFN cost to keep
 * @param seqLen sequence length for FLOPs; null: the samples' mean token count
 * @param seed token-sampling and random-baseline seed
 * @param tokens k, the sampled tokens per unit feature
 */
public record PruneSettings(
    Method method,
    LinkageMode linkage,
    Budget.Kind kind,
    double keep,
    double lambda,
    Double headsKeep,
    Double neuronsKeep,
    Integer seqLen,
    long seed,
    int tokens) {

  public static final String DEFAULT_METHOD = "p-pruning";
  public static final String DEFAULT_LINKAGE = "reference";
  public static final double DEFAULT_KEEP = 0.5;
  public static final double DEFAULT_LAMBDA = 5;
  public static final long DEFAULT_SEED = 42;
  public static final int DEFAULT_TOKENS = 200;

  public PruneSettings {
    if (method == null || linkage == null || kind == null) {
      throw new IllegalArgumentException("pruning method, linkage and budget kind are required");
    }
    new Budget(kind, keep, lambda, headsKeep, neuronsKeep, 1); // range checks
    if (tokens <= 0) {
      throw new IllegalArgumentException("tokens (k) must be > 0, got " + tokens);
    }
    if (seqLen != null && seqLen <= 0) {
      throw new IllegalArgumentException("sequence length must be > 0, got " + seqLen);
    }
  }

  /** P-pruning, reference linkage, 50% of FLOPs, lambda 5, seed 42, 200 tokens. */
  public static PruneSettings defaults() {
    return builder().build();
  }

  /** A builder that starts from {@link #defaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Settings by name instead of ten positional values (three of them optional). Starts from the
   * defaults of {@code ppruning prune}; {@link #build()} checks the values as the record does.
   */
  public static final class Builder {
    private Method method = Method.of(DEFAULT_METHOD);
    private LinkageMode linkage = PruneSettings.linkage(DEFAULT_LINKAGE);
    private Budget.Kind kind = Budget.Kind.FLOPS;
    private double keep = DEFAULT_KEEP;
    private double lambda = DEFAULT_LAMBDA;
    private Double headsKeep;
    private Double neuronsKeep;
    private Integer seqLen;
    private long seed = DEFAULT_SEED;
    private int tokens = DEFAULT_TOKENS;

    private Builder() {}

    /** How units are chosen; default p-pruning. */
    public Builder method(Method method) {
      this.method = method;
      return this;
    }

    /** REFERENCE (as the paper's code) or DIRECT; default reference. */
    public Builder linkage(LinkageMode linkage) {
      this.linkage = linkage;
      return this;
    }

    /** Budget FLOPs and keep this fraction of them, in (0, 1]; default FLOPs, 0.5. */
    public Builder flopsKeep(double keep) {
      this.kind = Budget.Kind.FLOPS;
      this.keep = keep;
      return this;
    }

    /** Budget the parameters of heads and neurons instead, and keep this fraction of them. */
    public Builder paramsKeep(double keep) {
      this.kind = Budget.Kind.PARAMS;
      this.keep = keep;
      return this;
    }

    /** FFN cost removed per unit of attention cost removed; default 5. */
    public Builder lambda(double lambda) {
      this.lambda = lambda;
      return this;
    }

    /** Fraction of attention cost to keep, overriding the lambda split; default: the split. */
    public Builder headsKeep(double headsKeep) {
      this.headsKeep = headsKeep;
      return this;
    }

    /** Fraction of FFN cost to keep, overriding the lambda split; default: the split. */
    public Builder neuronsKeep(double neuronsKeep) {
      this.neuronsKeep = neuronsKeep;
      return this;
    }

    /** Sequence length FLOPs are counted at; default: the samples' mean token count. */
    public Builder seqLen(int seqLen) {
      this.seqLen = seqLen;
      return this;
    }

    /** Token-sampling and random-baseline seed; default 42. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** k, the sampled tokens per unit feature; default 200. */
    public Builder tokens(int tokens) {
      this.tokens = tokens;
      return this;
    }

    /** The settings; an out-of-range value is an error naming it. */
    public PruneSettings build() {
      return new PruneSettings(
          method, linkage, kind, keep, lambda, headsKeep, neuronsKeep, seqLen, seed, tokens);
    }
  }

  /** {@code reference} or {@code direct}. */
  public static LinkageMode linkage(String id) {
    return switch (id) {
      case "reference" -> LinkageMode.REFERENCE;
      case "direct" -> LinkageMode.DIRECT;
      default ->
          throw new IllegalArgumentException(
              "linkage must be reference or direct, got '" + id + "'");
    };
  }

  public String linkageId() {
    return linkage.name().toLowerCase(Locale.ROOT);
  }

  /** The sequence length FLOPs are counted at for these features. */
  public int seqLenFor(ActivationFeatures f) {
    return seqLen != null ? seqLen : (int) Math.round(f.meanLength());
  }

  /** The budget and algorithm configuration for these features. */
  public PPruning.Config config(ActivationFeatures f) {
    return new PPruning.Config(
        method,
        linkage,
        new Budget(kind, keep, lambda, headsKeep, neuronsKeep, seqLenFor(f)),
        seed);
  }
}
