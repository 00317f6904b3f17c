package org.ppruning.pruning;

import java.util.List;
import org.ppruning.model.CostModel;
import org.ppruning.model.LayerSpec;
import org.ppruning.model.ModelSpec;

/**
 * Step 4's target: how much of the encoder's cost the pruned model may keep, split between
 * attention heads and FFN neurons as the reference code does: of the cost removed, one part comes
 * from attention for every {@code lambda} parts from the FFN.
 *
 * <p>Cost is encoder FLOPs at {@code seqLen} tokens ({@link org.ppruning.model.CostModel}'s
 * per-head and per-neuron counts) or, with {@link Kind#PARAMS}, the parameters that belong to heads
 * ({@code 4*d*dh + 3*dh}) and neurons ({@code 2*d + 1}).
 *
 * @param kind what is budgeted
 * @param keep fraction of the cost to keep, in (0, 1]
 * @param lambda FFN cost removed per unit of attention cost removed (reference default 5)
 * @param headsKeep if not null, fraction of attention cost to keep (overrides the split)
 * @param neuronsKeep if not null, fraction of FFN cost to keep (overrides the split)
 * @param seqLen sequence length for FLOPs (the task's mean sample length)
 */
public record Budget(
    Kind kind, double keep, double lambda, Double headsKeep, Double neuronsKeep, int seqLen) {

  /** What a budget counts. */
  public enum Kind {
    FLOPS,
    PARAMS
  }

  public Budget {
    if (!(keep > 0 && keep <= 1)) {
      throw new IllegalArgumentException("budget must keep a fraction in (0, 1], got " + keep);
    }
    if (!(lambda >= 0) || Double.isInfinite(lambda)) {
      throw new IllegalArgumentException("lambda must be a finite number >= 0, got " + lambda);
    }
    for (Double f : new Double[] {headsKeep, neuronsKeep}) {
      if (f != null && !(f > 0 && f <= 1)) {
        throw new IllegalArgumentException("heads/neurons keep must be in (0, 1], got " + f);
      }
    }
    if (seqLen <= 0) {
      throw new IllegalArgumentException("sequence length must be > 0, got " + seqLen);
    }
  }

  /** Cost of one head. */
  public long headCost(ModelSpec s) {
    return kind == Kind.FLOPS
        ? CostModel.headFlops(s, seqLen)
        : 4L * s.hiddenSize() * s.headSize() + 3L * s.headSize();
  }

  /** Cost of one FFN neuron. */
  public long neuronCost(ModelSpec s) {
    return kind == Kind.FLOPS ? CostModel.neuronFlops(s, seqLen) : 2L * s.hiddenSize() + 1;
  }

  /** Total cost of the spec's heads and neurons. */
  public long cost(ModelSpec s, List<Integer> heads, List<Integer> neurons) {
    long c = 0;
    for (int i = 0; i < heads.size(); i++) {
      c += heads.get(i) * headCost(s) + neurons.get(i) * neuronCost(s);
    }
    return c;
  }

  /** The attention and FFN cost targets for a model of this spec. */
  public Targets targets(ModelSpec s) {
    long heads = s.layers().stream().mapToLong(LayerSpec::heads).sum();
    long neurons = s.layers().stream().mapToLong(LayerSpec::ffn).sum();
    double attn = heads * (double) headCost(s);
    double ffn = neurons * (double) neuronCost(s);
    double total = attn + ffn;
    double attnTarget;
    double ffnTarget;
    if (headsKeep != null && neuronsKeep != null) {
      attnTarget = headsKeep * attn;
      ffnTarget = neuronsKeep * ffn;
    } else if (headsKeep != null) {
      attnTarget = headsKeep * attn;
      ffnTarget = keep * total - attnTarget;
    } else if (neuronsKeep != null) {
      ffnTarget = neuronsKeep * ffn;
      attnTarget = keep * total - ffnTarget;
    } else {
      double removed = (1 - keep) * total;
      attnTarget = attn - removed / (lambda + 1);
      ffnTarget = ffn - removed * lambda / (lambda + 1);
    }
    // Every layer that has units keeps at least one cluster, so at least one unit.
    long minHeads = s.layers().stream().filter(l -> l.heads() > 0).count();
    long minNeurons = s.layers().stream().filter(l -> l.ffn() > 0).count();
    String unit = kind == Kind.FLOPS ? "FLOPs" : "parameters";
    check(attnTarget, minHeads * (double) headCost(s), attn, "attention", unit);
    check(ffnTarget, minNeurons * (double) neuronCost(s), ffn, "FFN", unit);
    return new Targets(attnTarget, ffnTarget, attn, ffn);
  }

  private void check(double target, double min, double all, String what, String unit) {
    if (target < min) {
      throw new IllegalArgumentException(
          String.format(
              "keeping %.1f%% of %s leaves %s %.3g %s, less than one unit per layer (%.3g); "
                  + "raise the budget%s",
              100 * keep,
              unit,
              what,
              target,
              unit,
              min,
              headsKeep == null && neuronsKeep == null
                  ? " or change lambda (" + lambda + ")"
                  : ""));
    }
    if (target > all * (1 + 1e-12)) {
      throw new IllegalArgumentException(
          String.format(
              "the %s target %.3g %s exceeds what the" + " model has (%.3g)",
              what, target, unit, all));
    }
  }

  /**
   * Cost targets.
   *
   * @param attention cost the heads may keep
   * @param ffn cost the neurons may keep
   * @param attentionBefore heads' cost now
   * @param ffnBefore neurons' cost now
   */
  public record Targets(double attention, double ffn, double attentionBefore, double ffnBefore) {}
}
