package org.ppruning.pruning;

import java.util.ArrayList;
import java.util.List;
import org.ppruning.model.ModelSpec;

/**
 * What to keep: per layer, the indices (into the model's current units, ascending) of the heads
 * and neurons that survive. Data only; {@link org.ppruning.model.UnitRemoval} does the surgery.
 */
public record PruningPlan(List<int[]> keepHeads, List<int[]> keepNeurons) {

  public PruningPlan {
    if (keepHeads.size() != keepNeurons.size()) {
      throw new IllegalArgumentException("plan has " + keepHeads.size() + " head lists and "
          + keepNeurons.size() + " neuron lists");
    }
    keepHeads = List.copyOf(keepHeads);
    keepNeurons = List.copyOf(keepNeurons);
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

  private static List<int[]> drops(List<int[]> keep, ModelSpec spec, boolean heads) {
    List<int[]> out = new ArrayList<>();
    for (int l = 0; l < keep.size(); l++) {
      int n = heads ? spec.layers().get(l).heads() : spec.layers().get(l).ffn();
      boolean[] kept = new boolean[n];
      for (int k : keep.get(l)) {
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
}
