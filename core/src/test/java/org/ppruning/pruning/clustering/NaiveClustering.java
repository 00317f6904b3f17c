package org.ppruning.pruning.clustering;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Slow, obviously-right versions of the clustering step, to check the fast ones against: the
 * Chebyshev row proximity as a triple loop, and complete linkage that recomputes every cluster
 * distance from the unit distances at every step (O(n^3)), with the documented tie rule.
 */
final class NaiveClustering {

  private NaiveClustering() {}

  /** p(i, j) = max over k of |d[i][k] - d[j][k]|, in float like the kernel. */
  static float[][] chebyshevRows(float[][] d) {
    int n = d.length;
    float[][] p = new float[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        float m = 0f;
        for (int k = 0; k < n; k++) {
          m = Math.max(m, Math.abs(d[i][k] - d[j][k]));
        }
        p[i][j] = m;
      }
    }
    return p;
  }

  /**
   * Complete linkage by definition. Clusters are kept ordered by their smallest unit; each step
   * merges the closest pair, the first in that order on ties (strict <).
   */
  static Dendrogram completeLinkage(float[][] d) {
    int n = d.length;
    List<List<Integer>> members = new ArrayList<>();
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      members.add(new ArrayList<>(List.of(i)));
      ids.add(i);
    }
    int[] left = new int[n - 1];
    int[] right = new int[n - 1];
    double[] heights = new double[n - 1];
    for (int k = 0; k < n - 1; k++) {
      int bestA = -1;
      int bestB = -1;
      float best = Float.POSITIVE_INFINITY;
      for (int a = 0; a < members.size(); a++) {
        for (int b = a + 1; b < members.size(); b++) {
          float linkage = 0f;
          for (int u : members.get(a)) {
            for (int v : members.get(b)) {
              linkage = Math.max(linkage, d[u][v]);
            }
          }
          if (linkage < best) {
            best = linkage;
            bestA = a;
            bestB = b;
          }
        }
      }
      left[k] = Math.min(ids.get(bestA), ids.get(bestB));
      right[k] = Math.max(ids.get(bestA), ids.get(bestB));
      heights[k] = best;
      // a < b in smallest-unit order, so the union keeps a's place in that order.
      members.get(bestA).addAll(members.remove(bestB));
      ids.remove(bestB);
      ids.set(bestA, n + k);
    }
    return new Dendrogram(n, left, right, heights);
  }

  /** A random symmetric matrix with zero diagonal and entries drawn by {@code entry}. */
  static float[][] randomDistances(int n, long seed, Function<Random, Float> entry) {
    Random random = new Random(seed);
    float[][] d = new float[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        float v = entry.apply(random);
        d[i][j] = v;
        d[j][i] = v;
      }
    }
    return d;
  }
}
