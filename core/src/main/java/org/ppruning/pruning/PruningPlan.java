package org.ppruning.pruning;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.ppruning.model.ModelSpec;

/**
 * What to keep (the result of step 5, Wang et al., 2024, Sec. 3.4): per layer, the indices (into
 * the model's current units, strictly ascending) of the heads and neurons that survive. Data only;
 * {@link org.ppruning.model.UnitRemoval} does the surgery.
 *
 * <p>Immutable: the index arrays are copied in, and {@link #keepHeads()} and {@link #keepNeurons()}
 * return unmodifiable lists of copies (a plan is read a few times per run, never in a loop over
 * units).
 *
 * @param keepHeads per layer, the heads kept
 * @param keepNeurons per layer, the FFN neurons kept; as many layers as {@code keepHeads}
 */
public record PruningPlan(List<int[]> keepHeads, List<int[]> keepNeurons) {

  public PruningPlan {
    if (keepHeads == null || keepNeurons == null) {
      throw new IllegalArgumentException(
          "plan is missing its " + (keepHeads == null ? "head" : "neuron") + " lists");
    }
    if (keepHeads.size() != keepNeurons.size()) {
      throw new IllegalArgumentException(
          "plan has "
              + keepHeads.size()
              + " head lists and "
              + keepNeurons.size()
              + " neuron lists");
    }
    keepHeads = copy(keepHeads, "head");
    keepNeurons = copy(keepNeurons, "neuron");
  }

  /** Copies of the heads kept, per layer. */
  @Override
  public List<int[]> keepHeads() {
    return copy(keepHeads, "head");
  }

  /** Copies of the neurons kept, per layer. */
  @Override
  public List<int[]> keepNeurons() {
    return copy(keepNeurons, "neuron");
  }

  public List<int[]> dropHeads(ModelSpec spec) {
    return drops(keepHeads, spec, true);
  }

  public List<int[]> dropNeurons(ModelSpec spec) {
    return drops(keepNeurons, spec, false);
  }

  public List<Integer> headsPerLayer() {
    return keepHeads.stream().map(a -> a.length).toList();
  }

  public List<Integer> ffnPerLayer() {
    return keepNeurons.stream().map(a -> a.length).toList();
  }

  /** Checked deep copy: every layer present, indices >= 0 and strictly ascending. */
  private static List<int[]> copy(List<int[]> perLayer, String unit) {
    List<int[]> out = new ArrayList<>(perLayer.size());
    for (int l = 0; l < perLayer.size(); l++) {
      int[] keep = perLayer.get(l);
      if (keep == null) {
        throw new IllegalArgumentException("plan has no " + unit + " list for layer " + l);
      }
      for (int i = 0; i < keep.length; i++) {
        if (keep[i] < 0 || (i > 0 && keep[i] <= keep[i - 1])) {
          throw new IllegalArgumentException(
              "layer "
                  + l
                  + " keeps "
                  + unit
                  + "s "
                  + Arrays.toString(keep)
                  + ", expected indices >= 0 in strictly ascending order");
        }
      }
      out.add(keep.clone());
    }
    return Collections.unmodifiableList(out);
  }

  private static List<int[]> drops(List<int[]> keep, ModelSpec spec, boolean heads) {
    List<int[]> out = new ArrayList<>();
    for (int l = 0; l < keep.size(); l++) {
      int n = heads ? spec.layers().get(l).heads() : spec.layers().get(l).ffn();
      boolean[] kept = new boolean[n];
      for (int k : keep.get(l)) {
        if (k >= n) {
          String unit = heads ? "head" : "neuron";
          throw new IllegalArgumentException(
              "layer "
                  + l
                  + " keeps "
                  + unit
                  + " "
                  + k
                  + ", but the model's layer has "
                  + n
                  + " "
                  + unit
                  + "s");
        }
        kept[k] = true;
      }
      int[] drop = new int[n - keep.get(l).length];
      int j = 0;
      for (int i = 0; i < n; i++) {
        if (!kept[i]) {
          drop[j++] = i;
        }
      }
      out.add(drop);
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PruningPlan p
        && sameArrays(keepHeads, p.keepHeads)
        && sameArrays(keepNeurons, p.keepNeurons);
  }

  private static boolean sameArrays(List<int[]> a, List<int[]> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!Arrays.equals(a.get(i), b.get(i))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = 1;
    for (int[] a : keepHeads) {
      h = 31 * h + Arrays.hashCode(a);
    }
    for (int[] a : keepNeurons) {
      h = 31 * h + Arrays.hashCode(a);
    }
    return h;
  }

  @Override
  public String toString() {
    return "PruningPlan[heads=" + headsPerLayer() + ", ffn=" + ffnPerLayer() + "]";
  }
}
