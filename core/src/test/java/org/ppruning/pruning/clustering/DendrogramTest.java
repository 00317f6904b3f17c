package org.ppruning.pruning.clustering;

import static org.junit.jupiter.api.Assertions.*;
import static org.ppruning.pruning.clustering.DistanceMatrixTest.assertMessage;

import org.junit.jupiter.api.Test;

class DendrogramTest {

  // scipy's example shape: leaves 0..4; 5 = {1,3}, 6 = {0,4}, 7 = {2,5} = {1,2,3}, 8 = all.
  static Dendrogram tree() {
    return new Dendrogram(
        5, new int[] {1, 0, 2, 6}, new int[] {3, 4, 5, 7}, new double[] {0.5, 0.5, 1.5, 2.0});
  }

  @Test
  void cutNumbersClustersBySmallestUnit() {
    Dendrogram t = tree();
    assertArrayEquals(new int[] {0, 1, 2, 3, 4}, t.cut(0.25));
    // Equal heights are applied together at the threshold.
    assertArrayEquals(new int[] {0, 1, 2, 1, 0}, t.cut(0.5));
    assertArrayEquals(new int[] {0, 1, 1, 1, 0}, t.cut(1.5));
    assertArrayEquals(new int[] {0, 0, 0, 0, 0}, t.cut(2.0));
    assertEquals(5, t.clusterCount(Math.nextDown(0.5)));
    assertEquals(3, t.clusterCount(0.5));
    assertEquals(3, t.clusterCount(1.0));
    assertEquals(2, t.clusterCount(1.5));
    assertEquals(1, t.clusterCount(2.0));
    assertEquals(1, t.clusterCount(Double.POSITIVE_INFINITY));
    assertEquals(5, t.clusterCount(Double.NEGATIVE_INFINITY));
  }

  @Test
  void accessorsReturnCopies() {
    Dendrogram t = tree();
    t.left()[0] = 4;
    t.right()[0] = 4;
    t.heights()[0] = 9;
    assertEquals(tree(), t);
    assertEquals(4, t.mergeCount());
    int[] left = {1, 0, 2, 6};
    Dendrogram u = new Dendrogram(5, left, new int[] {3, 4, 5, 7}, new double[] {.5, .5, 1.5, 2});
    left[0] = 2;
    assertEquals(tree(), u);
    assertEquals("Dendrogram[leaves=5, heights=[0.5 .. 2.0]]", u.toString());
  }

  @Test
  void rejectsNaNThreshold() {
    assertMessage("threshold is NaN", () -> tree().cut(Double.NaN));
    assertMessage("threshold is NaN", () -> tree().clusterCount(Double.NaN));
  }

  @Test
  void rejectsMalformedMerges() {
    assertMessage(
        "dendrogram of 3 leaves has 2 left ids, 2 right ids and 1 heights, expected 2 " + "of each",
        () -> new Dendrogram(3, new int[] {0, 2}, new int[] {1, 3}, new double[1]));
    assertMessage(
        "merge 1 joins clusters 1 and 3: expected two distinct unmerged ids, smaller "
            + "first, below 4",
        () -> new Dendrogram(3, new int[] {0, 1}, new int[] {1, 3}, new double[] {0, 1}));
    assertMessage(
        "merge 1 joins clusters 2 and 4: expected two distinct unmerged ids, smaller "
            + "first, below 4",
        () -> new Dendrogram(3, new int[] {0, 2}, new int[] {1, 4}, new double[] {0, 1}));
    assertMessage(
        "merge 0 joins clusters 1 and 0: expected two distinct unmerged ids, smaller "
            + "first, below 3",
        () -> new Dendrogram(3, new int[] {1, 2}, new int[] {0, 3}, new double[] {0, 1}));
    assertMessage(
        "merge 1 has height 0.5, below merge 0's 1.0: heights must be non-decreasing",
        () -> new Dendrogram(3, new int[] {0, 2}, new int[] {1, 3}, new double[] {1, 0.5}));
    assertMessage(
        "merge 0 has height NaN",
        () -> new Dendrogram(3, new int[] {0, 2}, new int[] {1, 3}, new double[] {Double.NaN, 1}));
    assertMessage(
        "dendrogram has 0 leaves, expected >= 1",
        () -> new Dendrogram(0, new int[0], new int[0], new double[0]));
  }
}
