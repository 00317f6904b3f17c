package org.ppruning.pruning.report;

/**
 * A cost before and after pruning, split between attention heads and FFN neurons; the total is
 * their sum. FLOPs are {@link org.ppruning.model.CostModel}'s multiply-accumulates per sequence of
 * the budget's length; parameters are those that belong to heads ({@code 4*d*dh + 3*dh} each) and
 * neurons ({@code 2*d + 1} each), as {@link org.ppruning.pruning.Budget} counts them.
 *
 * @param attentionBefore heads' cost before
 * @param attentionAfter heads' cost after
 * @param ffnBefore neurons' cost before
 * @param ffnAfter neurons' cost after
 */
public record Cost(long attentionBefore, long attentionAfter, long ffnBefore, long ffnAfter) {

  public Cost {
    if (attentionBefore < 0 || ffnBefore < 0 || attentionAfter < 0 || ffnAfter < 0) {
      throw new IllegalArgumentException("negative cost in " + this);
    }
    if (attentionAfter > attentionBefore || ffnAfter > ffnBefore) {
      throw new IllegalArgumentException("pruning cannot add cost: " + this);
    }
  }

  /** Attention plus FFN before. */
  public long totalBefore() {
    return attentionBefore + ffnBefore;
  }

  /** Attention plus FFN after. */
  public long totalAfter() {
    return attentionAfter + ffnAfter;
  }

  /** {@code after / before}, or 1 when nothing was there to prune. */
  static double fraction(long after, long before) {
    return before == 0 ? 1.0 : (double) after / before;
  }
}
