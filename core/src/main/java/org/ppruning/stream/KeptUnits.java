package org.ppruning.stream;

import java.util.List;
import org.ppruning.model.LayerSpec;

/**
 * How much two selections of units differ: the Jaccard distance between their sets of kept units,
 * each unit named by (layer, head or neuron, original index), i.e. {@code |A xor B| / |A or B|}. 0
 * means the same units; 1 means none in common. Widths that change count too, since a unit kept by
 * only one side is in the symmetric difference.
 */
public final class KeptUnits {
  private KeptUnits() {}

  /** The change from {@code before} to {@code after}; both must have the same number of layers. */
  public static double change(List<LayerSpec> before, List<LayerSpec> after) {
    if (before.size() != after.size()) {
      throw new IllegalArgumentException(
          "cannot compare selections of " + before.size() + " and " + after.size() + " layers");
    }
    long union = 0;
    long shared = 0;
    for (int l = 0; l < before.size(); l++) {
      long sh =
          common(before.get(l).keptHeads(), after.get(l).keptHeads())
              + common(before.get(l).keptNeurons(), after.get(l).keptNeurons());
      shared += sh;
      union +=
          before.get(l).heads()
              + before.get(l).ffn()
              + after.get(l).heads()
              + after.get(l).ffn()
              - sh;
    }
    return union == 0 ? 0 : (double) (union - shared) / union;
  }

  /** Elements in both ascending arrays. */
  private static long common(int[] a, int[] b) {
    long n = 0;
    for (int i = 0, j = 0; i < a.length && j < b.length; ) {
      if (a[i] == b[j]) {
        n++;
        i++;
        j++;
      } else if (a[i] < b[j]) {
        i++;
      } else {
        j++;
      }
    }
    return n;
  }
}
