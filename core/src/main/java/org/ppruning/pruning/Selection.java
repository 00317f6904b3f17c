package org.ppruning.pruning;

import java.util.Arrays;

/**
 * Step 5 (Wang et al., 2024, Sec. 3.4): in each cluster keep the member with the largest salience
 * (mean |activation|), ties to the lower index; drop the rest, with no weight compensation. The
 * reference code scores heads 0..k-1 of the layer instead of the cluster's members; here every
 * member is scored by its own salience.
 */
public final class Selection {
  private Selection() {}

  /**
   * @param labels cluster label per unit, 0..k-1
   * @param salience per unit
   * @return kept unit indices, ascending, one per cluster
   */
  public static int[] keepMostSalient(int[] labels, double[] salience) {
    if (labels.length != salience.length) {
      throw new IllegalArgumentException(
          labels.length + " labels for " + salience.length + " units");
    }
    int k = Arrays.stream(labels).max().orElse(-1) + 1;
    int[] best = new int[k];
    Arrays.fill(best, -1);
    for (int u = 0; u < labels.length; u++) {
      int c = labels[u];
      if (best[c] < 0 || salience[u] > salience[best[c]]) {
        best[c] = u;
      }
    }
    for (int c = 0; c < k; c++) {
      if (best[c] < 0) {
        throw new IllegalArgumentException("cluster label " + c + " has no member");
      }
    }
    int[] keep = best.clone();
    Arrays.sort(keep);
    return keep;
  }

  /** The {@code k} units with the largest scores, ascending by index (ties to lower index). */
  public static int[] topK(double[] score, int k) {
    Integer[] idx = new Integer[score.length];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(
        idx,
        (a, b) -> {
          int c = Double.compare(score[b], score[a]);
          return c != 0 ? c : Integer.compare(a, b);
        });
    int[] keep = new int[k];
    for (int i = 0; i < k; i++) {
      keep[i] = idx[i];
    }
    Arrays.sort(keep);
    return keep;
  }
}
