package org.ppruning.pruning;

import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.ppruning.pruning.clustering.Dendrogram;

/**
 * Step 4 (Wang et al., 2024, Sec. 3.3): one global distance threshold per unit kind cuts every
 * layer's dendrogram; a layer keeps as many units as it has clusters. The threshold is the smallest
 * that brings the kind's cost within its target. The reference raises it in steps of 0.0005; the
 * cost only changes at merge heights, so searching the sorted merge heights of all layers is exact
 * and takes microseconds.
 */
public final class ThresholdSearch {
  private ThresholdSearch() {}

  /**
   * The result for one unit kind. Immutable: {@code perLayer} is copied in and out.
   *
   * @param threshold distance threshold (merges at heights <= it are applied), finite and {@code >=
   *     0}
   * @param perLayer clusters, and so kept units, per layer, each {@code >= 0}
   * @param cost cost of the kept units, {@code >= 0}
   */
  public record Cut(double threshold, int[] perLayer, double cost) {

    public Cut {
      if (!(threshold >= 0) || Double.isInfinite(threshold)) {
        throw new IllegalArgumentException("threshold must be finite and >= 0, got " + threshold);
      }
      if (perLayer == null) {
        throw new IllegalArgumentException("kept units per layer are missing");
      }
      perLayer = perLayer.clone();
      for (int l = 0; l < perLayer.length; l++) {
        if (perLayer[l] < 0) {
          throw new IllegalArgumentException(
              "layer " + l + " keeps " + perLayer[l] + " units, expected >= 0");
        }
      }
      if (!(cost >= 0)) {
        throw new IllegalArgumentException("kept cost must be >= 0, got " + cost);
      }
    }

    /** A copy of the kept units per layer. */
    @Override
    public int[] perLayer() {
      return perLayer.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Cut c
          && Double.compare(threshold, c.threshold) == 0
          && Arrays.equals(perLayer, c.perLayer)
          && Double.compare(cost, c.cost) == 0;
    }

    @Override
    public int hashCode() {
      return 31 * (31 * Double.hashCode(threshold) + Arrays.hashCode(perLayer))
          + Double.hashCode(cost);
    }

    @Override
    public String toString() {
      return "Cut[threshold="
          + threshold
          + ", perLayer="
          + Arrays.toString(perLayer)
          + ", cost="
          + cost
          + "]";
    }
  }

  /**
   * @param trees per layer, the dendrogram of its units, or null for a layer with none
   * @param unitCost cost of one unit
   * @param target cost the kind may keep
   */
  public static Cut search(List<Dendrogram> trees, long unitCost, double target) {
    TreeSet<Double> candidates = new TreeSet<>();
    candidates.add(0.0);
    for (Dendrogram t : trees) {
      if (t != null) {
        for (double h : t.heights()) {
          candidates.add(Math.max(0.0, h));
        }
      }
    }
    double[] c = candidates.stream().mapToDouble(Double::doubleValue).toArray();
    // cost(t) does not increase with t: binary search the first candidate within target.
    int lo = 0;
    int hi = c.length - 1;
    if (cost(trees, c[hi], unitCost) > target) {
      throw new IllegalArgumentException(
          "no threshold meets the target "
              + target
              + ": even one unit per layer costs "
              + cost(trees, c[hi], unitCost));
    }
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cost(trees, c[mid], unitCost) <= target) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    double t = c[lo];
    int[] per = new int[trees.size()];
    for (int i = 0; i < per.length; i++) {
      per[i] = trees.get(i) == null ? 0 : trees.get(i).clusterCount(t);
    }
    return new Cut(t, per, Arrays.stream(per).asLongStream().sum() * (double) unitCost);
  }

  static double cost(List<Dendrogram> trees, double t, long unitCost) {
    long units = 0;
    for (Dendrogram d : trees) {
      if (d != null) {
        units += d.clusterCount(t);
      }
    }
    return units * (double) unitCost;
  }
}
