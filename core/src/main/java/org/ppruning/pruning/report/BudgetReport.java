package org.ppruning.pruning.report;

/**
 * The budget a run was given and its cost targets, in the budget's own unit (FLOPs or the
 * parameters of heads and neurons, see {@link Cost}).
 *
 * @param kind {@code "flops"} or {@code "params"}
 * @param keep fraction of the cost to keep, in (0, 1]
 * @param lambda FFN cost removed per unit of attention cost removed
 * @param headsKeep fraction of attention cost to keep if set directly, else null
 * @param neuronsKeep fraction of FFN cost to keep if set directly, else null
 * @param seqLen tokens per sequence the FLOPs are counted at
 * @param attentionTarget attention cost the heads may keep
 * @param ffnTarget FFN cost the neurons may keep
 */
public record BudgetReport(
    String kind,
    double keep,
    double lambda,
    Double headsKeep,
    Double neuronsKeep,
    int seqLen,
    double attentionTarget,
    double ffnTarget) {

  public BudgetReport {
    if (!"flops".equals(kind) && !"params".equals(kind)) {
      throw new IllegalArgumentException("budget kind '" + kind + "', expected flops or params");
    }
    if (!Double.isFinite(attentionTarget) || !Double.isFinite(ffnTarget)) {
      throw new IllegalArgumentException(
          "budget targets must be finite, got " + attentionTarget + " and " + ffnTarget);
    }
  }

  /** True if the budget counts FLOPs, false if parameters. */
  public boolean flops() {
    return "flops".equals(kind);
  }
}
