package org.ppruning.pruning.clustering;

/**
 * The clustering step of P-pruning: one layer's distance matrix (between its attention heads, or
 * between its FFN neurons) to a complete-linkage dendrogram, which the budget step cuts at a
 * threshold to choose how many units each layer keeps.
 *
 * <pre>{@code
 * Dendrogram tree = Clustering.fit(DistanceMatrix.of(d), LinkageMode.REFERENCE);
 * int[] labels = tree.cut(0.3);          // one cluster label per unit
 * int kept = tree.clusterCount(0.3);     // units this layer keeps at 0.3
 * }</pre>
 */
public final class Clustering {

  private Clustering() {}

  /** Clusters a checked distance matrix with the given linkage mode. */
  public static Dendrogram fit(DistanceMatrix distances, LinkageMode mode) {
    if (distances == null || mode == null) {
      throw new IllegalArgumentException(
          distances == null ? "distance matrix is missing" : "linkage mode is missing");
    }
    return mode.fit(distances);
  }

  /**
   * Clusters a square distance matrix after the checks of {@link DistanceMatrix#of(float[][])}
   * (square, symmetric, zero diagonal, finite, non-negative).
   */
  public static Dendrogram fit(float[][] distances, LinkageMode mode) {
    return fit(DistanceMatrix.of(distances), mode);
  }
}
