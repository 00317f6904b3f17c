package org.ppruning.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Removes attention heads and FFN neurons for real: sliced query/key/value columns and output
 * projection rows for heads, first-matrix columns and second-matrix rows for neurons (the Hugging
 * Face {@code prune_heads} recipe). The result computes exactly what the original computes with
 * those units masked; no weights are compensated.
 */
public final class UnitRemoval {
  private UnitRemoval() {}

  /** A smaller model: its spec (lineage updated) and weights. */
  public record Pruned(ModelSpec spec, Weights weights) {}

  /**
   * @param dropHeads per layer, indices (into the model's CURRENT heads of that layer) to remove
   * @param dropNeurons per layer, indices into the current FFN neurons to remove
   */
  public static Pruned remove(
      ModelSpec spec, Weights weights, List<int[]> dropHeads, List<int[]> dropNeurons) {
    if (dropHeads.size() != spec.numLayers() || dropNeurons.size() != spec.numLayers()) {
      throw new IllegalArgumentException(
          "need one drop list per layer ("
              + spec.numLayers()
              + "), got "
              + dropHeads.size()
              + " for heads and "
              + dropNeurons.size()
              + " for neurons");
    }
    ModelLayout layout = ModelLayout.of(spec);
    layout.check(weights, "the model to prune");
    Weights out = weights.copy();
    List<LayerSpec> layers = new ArrayList<>();
    for (int i = 0; i < spec.numLayers(); i++) {
      LayerSpec l = spec.layers().get(i);
      int[] keepH = complement(dropHeads.get(i), l.heads(), "layer " + i + " heads");
      int[] keepN = complement(dropNeurons.get(i), l.ffn(), "layer " + i + " neurons");
      for (UnitTensor ut : layout.headTensors(i)) {
        out.replace(
            ut.name(),
            TensorSlicing.keepUnits(out.get(ut.name()), ut.axis(), ut.blocks(), ut.width(), keepH));
      }
      for (UnitTensor ut : layout.neuronTensors(i)) {
        out.replace(
            ut.name(),
            TensorSlicing.keepUnits(out.get(ut.name()), ut.axis(), ut.blocks(), ut.width(), keepN));
      }
      layers.add(new LayerSpec(pick(l.keptHeads(), keepH), pick(l.keptNeurons(), keepN)));
    }
    ModelSpec smaller = spec.withLayers(layers);
    ModelLayout.of(smaller).check(out, "the pruned model");
    return new Pruned(smaller, out);
  }

  /**
   * Indices 0..n-1 not in {@code drop}, ascending; rejects duplicates and out-of-range entries
   * ({@code what} names the list in the message).
   */
  public static int[] complement(int[] drop, int n, String what) {
    boolean[] gone = new boolean[n];
    for (int d : drop) {
      if (d < 0 || d >= n) {
        throw new IllegalArgumentException(what + ": index " + d + " outside 0.." + (n - 1));
      }
      if (gone[d]) {
        throw new IllegalArgumentException(
            what + ": index " + d + " listed twice in " + Arrays.toString(drop));
      }
      gone[d] = true;
    }
    int[] keep = new int[n - drop.length];
    int k = 0;
    for (int i = 0; i < n; i++) {
      if (!gone[i]) {
        keep[k++] = i;
      }
    }
    return keep;
  }

  private static int[] pick(int[] lineage, int[] idx) {
    int[] r = new int[idx.length];
    for (int i = 0; i < idx.length; i++) {
      r[i] = lineage[idx[i]];
    }
    return r;
  }
}
