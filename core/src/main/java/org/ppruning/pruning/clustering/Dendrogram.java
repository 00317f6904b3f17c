package org.ppruning.pruning.clustering;

import java.util.Arrays;

/**
 * The merge tree of an agglomerative clustering of {@code leaves} units, in scipy's convention:
 * leaves are clusters {@code 0 .. leaves-1}, and merge {@code k} joins clusters {@code left[k]} and
 * {@code right[k]} ({@code left[k] < right[k]}) at distance {@code heights[k]} into the new cluster
 * {@code leaves + k}. This is scipy's linkage matrix {@code Z} with {@code Z[k] = (left[k],
 * right[k], heights[k], size)}.
 *
 * <p>Heights never decrease, which complete linkage guarantees. So the merges at or below any
 * threshold are a prefix of the list, and {@link #cut(double)} and {@link #clusterCount(double)}
 * only need to find where that prefix ends.
 *
 * @param leaves number of units, {@code >= 1}
 * @param left first (smaller) cluster id of each of the {@code leaves - 1} merges
 * @param right second (larger) cluster id of each merge
 * @param heights height of each merge: the linkage distance between the two clusters, finite and
 *     non-decreasing; float distances widened exactly to double
 */
public record Dendrogram(int leaves, int[] left, int[] right, double[] heights) {

  public Dendrogram {
    if (leaves < 1) {
      throw new IllegalArgumentException("dendrogram has " + leaves + " leaves, expected >= 1");
    }
    if (left == null || right == null || heights == null) {
      throw new IllegalArgumentException("dendrogram merges or heights are missing");
    }
    int merges = leaves - 1;
    if (left.length != merges || right.length != merges || heights.length != merges) {
      throw new IllegalArgumentException(
          "dendrogram of "
              + leaves
              + " leaves has "
              + left.length
              + " left ids, "
              + right.length
              + " right ids and "
              + heights.length
              + " heights, expected "
              + merges
              + " of each");
    }
    left = left.clone();
    right = right.clone();
    heights = heights.clone();
    boolean[] used = new boolean[leaves + merges];
    for (int k = 0; k < merges; k++) {
      int a = left[k];
      int b = right[k];
      // Only clusters that exist before merge k and were not merged yet may be joined.
      if (a < 0 || a >= b || b >= leaves + k || used[a] || used[b]) {
        throw new IllegalArgumentException(
            "merge "
                + k
                + " joins clusters "
                + a
                + " and "
                + b
                + ": expected two distinct unmerged ids, smaller first, below "
                + (leaves + k));
      }
      used[a] = true;
      used[b] = true;
      double h = heights[k];
      if (!Double.isFinite(h)) {
        throw new IllegalArgumentException("merge " + k + " has height " + h);
      }
      if (k > 0 && h < heights[k - 1]) {
        throw new IllegalArgumentException(
            "merge "
                + k
                + " has height "
                + h
                + ", below merge "
                + (k - 1)
                + "'s "
                + heights[k - 1]
                + ": heights must be non-decreasing");
      }
    }
  }

  /** Number of merges, {@code leaves - 1}. */
  public int mergeCount() {
    return leaves - 1;
  }

  /** Copies of the left cluster ids. */
  @Override
  public int[] left() {
    return left.clone();
  }

  /** Copies of the right cluster ids. */
  @Override
  public int[] right() {
    return right.clone();
  }

  /** A copy of the merge heights. */
  @Override
  public double[] heights() {
    return heights.clone();
  }

  /**
   * Flat clusters at a distance threshold, as scipy's {@code fcluster(Z, t, criterion='distance')}:
   * every merge with height {@code <= threshold} is applied (inclusive), none above it. A threshold
   * below the first height leaves every unit alone; one at or above the last joins them all.
   *
   * <p>Labels are {@code 0 .. k-1}, numbered in order of each cluster's smallest unit (unit 0 is
   * always in cluster 0), so the result depends only on the partition (scipy numbers clusters
   * differently, from 1).
   *
   * @return the cluster label of each unit
   */
  public int[] cut(double threshold) {
    int applied = mergesAtOrBelow(threshold);
    // Union-find over leaves; member[c] is one leaf of cluster c, so merges can name clusters.
    int[] parent = new int[leaves];
    int[] member = new int[leaves + applied];
    for (int i = 0; i < leaves; i++) {
      parent[i] = i;
      member[i] = i;
    }
    for (int k = 0; k < applied; k++) {
      int a = find(parent, member[left[k]]);
      int b = find(parent, member[right[k]]);
      // The smaller leaf becomes the root, so each root is its cluster's smallest unit.
      parent[Math.max(a, b)] = Math.min(a, b);
      member[leaves + k] = Math.min(a, b);
    }
    int[] labels = new int[leaves];
    int[] labelOfRoot = new int[leaves];
    int next = 0;
    for (int i = 0; i < leaves; i++) {
      int root = find(parent, i);
      // Roots are smallest members, so a root is met (as i == root) before any other member.
      labels[i] = root == i ? (labelOfRoot[i] = next++) : labelOfRoot[root];
    }
    return labels;
  }

  /**
   * Number of flat clusters {@link #cut(double)} would return at this threshold, in {@code O(log
   * leaves)}.
   */
  public int clusterCount(double threshold) {
    return leaves - mergesAtOrBelow(threshold);
  }

  /** Number of merges with height {@code <= threshold}: a prefix, as heights never decrease. */
  private int mergesAtOrBelow(double threshold) {
    if (Double.isNaN(threshold)) {
      throw new IllegalArgumentException("threshold is NaN");
    }
    int lo = 0;
    int hi = heights.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (heights[mid] <= threshold) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static int find(int[] parent, int i) {
    while (parent[i] != i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Dendrogram d
        && leaves == d.leaves
        && Arrays.equals(left, d.left)
        && Arrays.equals(right, d.right)
        && Arrays.equals(heights, d.heights);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(
        new int[] {
          leaves, Arrays.hashCode(left), Arrays.hashCode(right), Arrays.hashCode(heights)
        });
  }

  @Override
  public String toString() {
    return "Dendrogram[leaves="
        + leaves
        + ", heights="
        + (leaves == 1 ? "[]" : "[" + heights[0] + " .. " + heights[heights.length - 1] + "]")
        + "]";
  }
}
