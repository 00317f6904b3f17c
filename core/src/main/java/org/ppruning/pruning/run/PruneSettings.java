package org.ppruning.pruning.run;

import java.util.Locale;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.pruning.Budget;
import org.ppruning.pruning.clustering.LinkageMode;

/**
 * The settings of one P-pruning run, shared by {@code ppruning prune} and the pruner service so
 * that both choose the same units from the same samples. Defaults: {@link #defaults()}.
 *
 * @param method      how units are chosen
 * @param linkage     REFERENCE (as the paper's code) or DIRECT
 * @param kind        what the budget counts
 * @param keep        fraction of the cost to keep, in (0, 1]
 * @param lambda      FFN cost removed per unit of attention cost removed
 * @param headsKeep   if not null, fraction of attention cost to keep (overrides the split)
 * @param neuronsKeep if not null, fraction of FFN cost to keep
 * @param seqLen      sequence length for FLOPs; null: the samples' mean token count
 * @param seed        token-sampling and random-baseline seed
 * @param tokens      k, the sampled tokens per unit feature
 */
public record PruneSettings(Method method, LinkageMode linkage, Budget.Kind kind, double keep,
    double lambda, Double headsKeep, Double neuronsKeep, Integer seqLen, long seed, int tokens) {

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
    return new PruneSettings(Method.of(DEFAULT_METHOD), linkage(DEFAULT_LINKAGE),
        Budget.Kind.FLOPS, DEFAULT_KEEP, DEFAULT_LAMBDA, null, null, null, DEFAULT_SEED,
        DEFAULT_TOKENS);
  }

  /** {@code reference} or {@code direct}. */
  public static LinkageMode linkage(String id) {
    return switch (id) {
      case "reference" -> LinkageMode.REFERENCE;
      case "direct" -> LinkageMode.DIRECT;
      default -> throw new IllegalArgumentException("linkage must be reference or direct, got '"
          + id + "'");
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
    return new PPruning.Config(method, linkage,
        new Budget(kind, keep, lambda, headsKeep, neuronsKeep, seqLenFor(f)), seed);
  }
}
