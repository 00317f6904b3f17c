package org.ppruning.pruning;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class SelectionTest {
  /** Each cluster keeps its own most salient member, not the one at the cluster's rank. */
  @Test
  void keepsTheMostSalientMemberOfEachCluster() {
    int[] labels = {0, 1, 0, 1, 2};
    double[] salience = {0.1, 0.5, 0.9, 0.2, 0.3};
    assertArrayEquals(new int[] {1, 2, 4}, Selection.keepMostSalient(labels, salience));
    // Ties go to the lower index.
    assertArrayEquals(
        new int[] {0}, Selection.keepMostSalient(new int[] {0, 0}, new double[] {1, 1}));
  }

  @Test
  void topKIsSortedByIndex() {
    assertArrayEquals(new int[] {0, 3}, Selection.topK(new double[] {5, 1, 2, 9}, 2));
  }
}
