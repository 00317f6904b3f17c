package org.ppruning.pruning.clustering;

import java.util.Arrays;

/**
 * Agglomerative clustering with complete linkage: start from one cluster per unit and repeatedly
 * merge the two closest clusters, where the distance between clusters A and B is the largest
 * distance between a unit of A and a unit of B ({@code d(A u B, C) = max(d(A, C), d(B, C))}). This
 * is scipy's {@code linkage(y, method='complete')} on a condensed matrix {@code y}.
 *
 * <p><b>Ties.</b> When several pairs are equally close, the pair merged first is the one whose
 * clusters' smallest units {@code (a, b)}, {@code a < b}, come first in lexicographic order. The
 * dendrogram therefore depends only on the distances, bit for bit. (scipy breaks ties by the order
 * of its nearest-neighbour chain; on ties the two can build different, equally valid trees.)
 *
 * <p><b>Exactness.</b> Complete linkage only takes maxima, so every height is one of the input
 * distances, exactly (a float widened to double); nothing is rounded.
 *
 * <p><b>Cost.</b> Each cluster caches its nearest cluster among those with a larger smallest unit.
 * A merge updates one row and column of the working matrix and rescans only the clusters whose
 * cached neighbour took part in it, so a clustering costs {@code O(n^2)} time in practice ({@code
 * O(n^3)} in the worst case) and {@code 4 n^2} bytes of working memory: 3,072 units take about 40
 * MB.
 */
public final class CompleteLinkage {

  private CompleteLinkage() {}

  /** Clusters the units of {@code distances}; the result has {@code size - 1} merges. */
  public static Dendrogram fit(DistanceMatrix distances) {
    int n = distances.size();
    // Slot s holds the cluster whose smallest unit is s; merging slots a < b keeps slot a, so
    // that stays true. Merged-away slots hold +infinity, which no real distance equals.
    float[][] d = distances.toSquare();
    int[] clusterId = new int[n];
    int[] nearest = new int[n];
    float[] nearestDistance = new float[n];
    for (int s = 0; s < n; s++) {
      clusterId[s] = s;
      d[s][s] = Float.POSITIVE_INFINITY;
      findNearest(d, s, nearest, nearestDistance);
    }

    int[] left = new int[n - 1];
    int[] right = new int[n - 1];
    double[] heights = new double[n - 1];
    for (int k = 0; k < n - 1; k++) {
      // The closest pair: smallest cached distance, first slot on ties (strict <).
      int a = 0;
      for (int s = 1; s < n; s++) {
        if (nearestDistance[s] < nearestDistance[a]) {
          a = s;
        }
      }
      int b = nearest[a];
      left[k] = Math.min(clusterId[a], clusterId[b]);
      right[k] = Math.max(clusterId[a], clusterId[b]);
      heights[k] = nearestDistance[a];

      // Merge slot b into slot a: complete linkage keeps the larger of the two distances.
      float[] rowA = d[a];
      float[] rowB = d[b];
      for (int s = 0; s < n; s++) {
        float merged = Math.max(rowA[s], rowB[s]);
        rowA[s] = merged;
        d[s][a] = merged;
        d[s][b] = Float.POSITIVE_INFINITY;
      }
      rowA[a] = Float.POSITIVE_INFINITY;
      Arrays.fill(rowB, Float.POSITIVE_INFINITY);
      clusterId[a] = n + k;
      nearest[b] = -1;
      nearestDistance[b] = Float.POSITIVE_INFINITY;

      // Distances to slot a only grew, so the caches of slots that pointed elsewhere still hold
      // (their minimum and its first position are unchanged); those that pointed at a or b, and
      // slot a itself, rescan. Slots after b never look at a or b.
      findNearest(d, a, nearest, nearestDistance);
      for (int s = 0; s < b; s++) {
        if (s != a && (nearest[s] == a || nearest[s] == b)) {
          findNearest(d, s, nearest, nearestDistance);
        }
      }
    }
    return new Dendrogram(n, left, right, heights);
  }

  /** Caches slot s's nearest live slot after it (the first one on ties), or +infinity if none. */
  private static void findNearest(float[][] d, int s, int[] nearest, float[] nearestDistance) {
    float[] row = d[s];
    int best = -1;
    float bestDistance = Float.POSITIVE_INFINITY;
    for (int t = s + 1; t < row.length; t++) {
      if (row[t] < bestDistance) {
        bestDistance = row[t];
        best = t;
      }
    }
    nearest[s] = best;
    nearestDistance[s] = bestDistance;
  }
}
