package org.ppruning.pruning.clustering;

import static org.junit.jupiter.api.Assertions.*;
import static org.ppruning.pruning.clustering.LinkageMode.DIRECT;
import static org.ppruning.pruning.clustering.LinkageMode.REFERENCE;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import smile.clustering.HierarchicalClustering;

class ClusteringTest {

  // Four units; all values are multiples of 1/8, so every height is exact in float and double.
  //
  //        0      1      2      3
  //   0    0      1      0.25   0.375
  //   1    1      0      0.125  0.625
  //   2    0.25   0.125  0      0.5
  //   3    0.375  0.625  0.5    0
  static final float[][] FOUR = {
    {0f, 1f, 0.25f, 0.375f},
    {1f, 0f, 0.125f, 0.625f},
    {0.25f, 0.125f, 0f, 0.5f},
    {0.375f, 0.625f, 0.5f, 0f}
  };

  // Five units for the threshold tests.
  //
  //        0      1      2      3      4
  //   0    0      0.125  0.5    0.875  0.75
  //   1    0.125  0      0.375  0.625  1
  //   2    0.5    0.375  0      0.25   0.625
  //   3    0.875  0.625  0.25   0      0.5
  //   4    0.75   1      0.625  0.5    0
  static final float[][] FIVE = {
    {0f, 0.125f, 0.5f, 0.875f, 0.75f},
    {0.125f, 0f, 0.375f, 0.625f, 1f},
    {0.5f, 0.375f, 0f, 0.25f, 0.625f},
    {0.875f, 0.625f, 0.25f, 0f, 0.5f},
    {0.75f, 1f, 0.625f, 0.5f, 0f}
  };

  @Test
  void directFourUnitsByHand() {
    // Closest pair (1,2) at 0.125 -> cluster 4; d(4,0) = max(1, 0.25) = 1,
    // d(4,3) = max(0.625, 0.5) = 0.625. Left: d(0,3) = 0.375 < 0.625 < 1 -> (0,3) at 0.375 ->
    // cluster 5. Last: d(4,5) = max(d(4,0), d(4,3)) = max(1, 0.625) = 1.
    Dendrogram tree = Clustering.fit(FOUR, DIRECT);
    assertMerges(tree, new int[][] {{1, 2}, {0, 3}, {4, 5}}, 0.125, 0.375, 1.0);
    assertArrayEquals(new int[] {0, 1, 1, 0}, tree.cut(0.5));
  }

  @Test
  void referenceFourUnitsByHand() {
    // Rows r0 = (0, 1, .25, .375), r1 = (1, 0, .125, .625), r2 = (.25, .125, 0, .5),
    // r3 = (.375, .625, .5, 0); p(i,j) = max_k |ri[k] - rj[k]|:
    //   p(0,1) = max(1, 1, .125, .25)      = 1
    //   p(0,2) = max(.25, .875, .25, .125) = .875
    //   p(0,3) = max(.375, .375, .25, .375) = .375
    //   p(1,2) = max(.75, .125, .125, .125) = .75
    //   p(1,3) = max(.625, .625, .375, .625) = .625
    //   p(2,3) = max(.125, .5, .5, .5)     = .5
    float[][] p = {
      {0f, 1f, 0.875f, 0.375f},
      {1f, 0f, 0.75f, 0.625f},
      {0.875f, 0.75f, 0f, 0.5f},
      {0.375f, 0.625f, 0.5f, 0f}
    };
    assertEquals(DistanceMatrix.of(p), ChebyshevRows.proximity(DistanceMatrix.of(FOUR)));
    // Complete linkage on p: (0,3) at .375 -> 4; d(4,1) = max(1, .625) = 1,
    // d(4,2) = max(.875, .5) = .875. Then (1,2) at .75 -> 5; d(4,5) = max(1, .875) = 1.
    // A different tree from DIRECT's on the same D (which joins 1 and 2 first).
    Dendrogram tree = Clustering.fit(FOUR, REFERENCE);
    assertMerges(tree, new int[][] {{0, 3}, {1, 2}, {4, 5}}, 0.375, 0.75, 1.0);
    assertArrayEquals(new int[] {0, 1, 2, 0}, tree.cut(0.5));
  }

  @Test
  void directFiveUnitsByHand() {
    // (0,1) at .125 -> 5; d(5,2) = .5, d(5,3) = .875, d(5,4) = 1.
    // (2,3) at .25 -> 6; d(6,5) = max(.5, .875) = .875, d(6,4) = max(.625, .5) = .625.
    // (4,6) at .625 -> 7; d(7,5) = max(1, .875) = 1. (5,7) at 1 -> 8.
    Dendrogram tree = Clustering.fit(FIVE, DIRECT);
    assertMerges(tree, new int[][] {{0, 1}, {2, 3}, {4, 6}, {5, 7}}, 0.125, 0.25, 0.625, 1.0);
  }

  @Test
  void referenceFiveUnitsByHand() {
    // p(0,1) = max(.125, .125, .125, .25, .25) = .25     p(0,2) = .625   p(0,3) = .875
    // p(0,4) = max(.75, .875, .125, .375, .75) = .875    p(1,2) = .375   p(1,3) = .75
    // p(1,4) = max(.625, 1, .25, .125, 1) = 1            p(2,3) = .375   p(2,4) = .625
    // p(3,4) = max(.125, .375, .375, .5, .5) = .5
    // (0,1) at .25 -> 5; d(5,2) = .625, d(5,3) = .875, d(5,4) = 1. (2,3) at .375 -> 6 (p(1,2)
    // = .375 too, but unit 1 is in cluster 5 by now, at .625); d(6,5) = .875, d(6,4) = .625.
    // (4,6) at .625 -> 7; d(7,5) = max(1, .875) = 1. (5,7) at 1 -> 8.
    Dendrogram tree = Clustering.fit(FIVE, REFERENCE);
    assertMerges(tree, new int[][] {{0, 1}, {2, 3}, {4, 6}, {5, 7}}, 0.25, 0.375, 0.625, 1.0);
  }

  @Test
  void cutAppliesMergesAtOrBelowTheThreshold() {
    Dendrogram tree = Clustering.fit(FIVE, DIRECT); // heights .125, .25, .625, 1
    assertCut(tree, -1.0, 0, 1, 2, 3, 4);
    assertCut(tree, 0.0, 0, 1, 2, 3, 4);
    assertCut(tree, 0.1249, 0, 1, 2, 3, 4);
    assertCut(tree, 0.125, 0, 0, 1, 2, 3); // inclusive: the merge at exactly .125 applies
    assertCut(tree, 0.2, 0, 0, 1, 2, 3);
    assertCut(tree, 0.25, 0, 0, 1, 1, 2);
    assertCut(tree, 0.5, 0, 0, 1, 1, 2);
    assertCut(tree, Math.nextDown(0.625), 0, 0, 1, 1, 2);
    assertCut(tree, 0.625, 0, 0, 1, 1, 1);
    assertCut(tree, 0.99, 0, 0, 1, 1, 1);
    assertCut(tree, 1.0, 0, 0, 0, 0, 0);
    assertCut(tree, Double.POSITIVE_INFINITY, 0, 0, 0, 0, 0);
  }

  @Test
  void labelsFollowEachClustersSmallestUnit() {
    // Clusters {0,3} and {1,2}: 0 -> label 0, then the first unit not in it (1) -> label 1.
    assertArrayEquals(new int[] {0, 1, 1, 0}, Clustering.fit(FOUR, DIRECT).cut(0.625));
    // 4 joins {2,3} at .625 in FIVE; {0,1} is still apart.
    assertArrayEquals(new int[] {0, 0, 1, 1, 1}, Clustering.fit(FIVE, DIRECT).cut(0.7));
  }

  @Test
  void equalDistancesMergeInOrderOfSmallestUnits() {
    // All six pairs at 0.5. First pair by smallest units: (0,1) -> 4. Then {0,1} (smallest
    // unit 0) with 2 -> 5, then with 3 -> 6: a caterpillar, the same on every run.
    float h = 0.5f;
    float[][] d = {{0, h, h, h}, {h, 0, h, h}, {h, h, 0, h}, {h, h, h, 0}};
    for (LinkageMode mode : LinkageMode.values()) {
      // REFERENCE: p(i,j) = max(|0 - h|, |h - 0|, |h - h|, |h - h|) = h, the same ties.
      Dendrogram tree = Clustering.fit(d, mode);
      assertMerges(tree, new int[][] {{0, 1}, {2, 4}, {3, 5}}, h, h, h);
      assertEquals(tree, Clustering.fit(d, mode));
      assertEquals(4, tree.clusterCount(0.49));
      assertEquals(1, tree.clusterCount(0.5));
    }
  }

  @Test
  void tiesFollowSmallestUnitsNotClusterIds() {
    // (0,4) and (1,3) tie at .125: (0,4) first -> 6, then (1,3) -> 7. Every distance between
    // {0,4} and {1,3} is .25, as is d(2,5); the rest are .75. So {0,4}-{1,3} (ids 6, 7; smallest
    // units 0, 1) ties with 2-5 (ids 2, 5; units 2, 5), and goes first: -> 8; then (2,5) -> 9;
    // d(8,9) = .75.
    float a = 0.125f;
    float b = 0.25f;
    float c = 0.75f;
    float[][] d = {
      {0, b, c, b, a, c},
      {b, 0, c, a, b, c},
      {c, c, 0, c, c, b},
      {b, a, c, 0, b, c},
      {a, b, c, b, 0, c},
      {c, c, b, c, c, 0}
    };
    Dendrogram tree = Clustering.fit(d, DIRECT);
    assertMerges(
        tree, new int[][] {{0, 4}, {1, 3}, {6, 7}, {2, 5}, {8, 9}}, 0.125, 0.125, 0.25, 0.25, 0.75);
    assertEquals(tree, NaiveClustering.completeLinkage(d));
  }

  @Test
  void duplicatesMergeAtZeroAndStayTogether() {
    // Units 0 and 2 are the same unit twice: distance 0, identical rows (so proximity 0 too).
    float[][] d = {
      {0f, 0.5f, 0f, 0.75f},
      {0.5f, 0f, 0.5f, 0.25f},
      {0f, 0.5f, 0f, 0.75f},
      {0.75f, 0.25f, 0.75f, 0f}
    };
    for (LinkageMode mode : LinkageMode.values()) {
      Dendrogram tree = Clustering.fit(d, mode);
      assertEquals(0.0, tree.heights()[0], mode.name());
      assertEquals(0, tree.left()[0], mode.name());
      assertEquals(2, tree.right()[0], mode.name());
      for (double t : new double[] {0.0, 0.1, 0.5, 1.0, Double.MAX_VALUE}) {
        int[] labels = tree.cut(t);
        assertEquals(labels[0], labels[2], mode + " at " + t);
      }
      assertEquals(3, tree.clusterCount(0.0), mode.name());
    }
    // All units identical: one cluster from threshold 0 on.
    Dendrogram same = Clustering.fit(new float[3][3], DIRECT);
    assertArrayEquals(new double[] {0, 0}, same.heights());
    assertArrayEquals(new int[] {0, 0, 0}, same.cut(0.0));
    assertArrayEquals(new int[] {0, 1, 2}, same.cut(-Double.MIN_VALUE));
  }

  @Test
  void singleUnitAndPair() {
    Dendrogram one = Clustering.fit(new float[][] {{0f}}, REFERENCE);
    assertEquals(1, one.leaves());
    assertEquals(0, one.mergeCount());
    assertArrayEquals(new int[] {0}, one.cut(0.5));
    assertEquals(1, one.clusterCount(-1));

    float[][] pair = {{0f, 0.75f}, {0.75f, 0f}};
    assertMerges(Clustering.fit(pair, DIRECT), new int[][] {{0, 1}}, 0.75);
    // Rows (0, .75) and (.75, 0): p = .75.
    assertMerges(Clustering.fit(pair, REFERENCE), new int[][] {{0, 1}}, 0.75);
  }

  @Test
  void referenceMatchesNaiveOnRandom50() {
    float[][] d = NaiveClustering.randomDistances(50, 7, Random::nextFloat);
    float[][] p = NaiveClustering.chebyshevRows(d);
    assertEquals(DistanceMatrix.of(p), ChebyshevRows.proximity(DistanceMatrix.of(d)));
    Dendrogram tree = Clustering.fit(d, REFERENCE);
    assertEquals(NaiveClustering.completeLinkage(p), tree);
    assertEquals(50, tree.clusterCount(tree.heights()[0] - 1e-9));
    assertEquals(1, tree.clusterCount(tree.heights()[48]));
  }

  @Test
  void directMatchesNaiveOnRandom50() {
    float[][] d = NaiveClustering.randomDistances(50, 8, Random::nextFloat);
    assertEquals(NaiveClustering.completeLinkage(d), Clustering.fit(d, DIRECT));
  }

  @Test
  void directMatchesSmileWithoutTies() {
    // Smile 2.6.0's HierarchicalClustering (FastPair + CompleteLinkage) is an independent
    // implementation. Without ties the complete-linkage tree is unique, and Smile numbers merges
    // as scipy does, so the two must agree exactly. Distances: a shuffle of i / (N + 1).
    int n = 400;
    int pairs = n * (n - 1) / 2;
    List<Integer> ranks = new ArrayList<>();
    for (int r = 1; r <= pairs; r++) {
      ranks.add(r);
    }
    Collections.shuffle(ranks, new Random(11));
    double[][] proximity = new double[n][n];
    float[] condensed = new float[pairs];
    for (int i = 0, at = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++, at++) {
        condensed[at] = ranks.get(at) / (pairs + 1f);
        proximity[i][j] = condensed[at];
        proximity[j][i] = condensed[at];
      }
    }
    HierarchicalClustering smile =
        HierarchicalClustering.fit(
            new smile.clustering.linkage.CompleteLinkage(proximity)); // Smile's, not ours
    Dendrogram ours = Clustering.fit(new DistanceMatrix(n, condensed), DIRECT);
    int[][] tree = smile.getTree();
    for (int k = 0; k < n - 1; k++) {
      assertArrayEquals(tree[k], new int[] {ours.left()[k], ours.right()[k]}, "merge " + k);
    }
    assertArrayEquals(smile.getHeight(), ours.heights());
  }

  @Test
  void tieRuleMatchesNaiveUnderHeavyTies() {
    // Distances from {0, .25, .5, .75, 1}: hundreds of ties at every level, for both modes.
    for (long seed = 1; seed <= 5; seed++) {
      float[][] d = NaiveClustering.randomDistances(40, seed, r -> r.nextInt(5) / 4f);
      assertEquals(NaiveClustering.completeLinkage(d), Clustering.fit(d, DIRECT), "seed " + seed);
      assertEquals(
          NaiveClustering.completeLinkage(NaiveClustering.chebyshevRows(d)),
          Clustering.fit(d, REFERENCE),
          "seed " + seed);
    }
  }

  @Test
  void proximityKernelMatchesNaiveForAnyBlocking() {
    // Block sizes that do not divide 50, blocks of one, blocks larger than the matrix.
    float[][] d = NaiveClustering.randomDistances(50, 10, Random::nextFloat);
    DistanceMatrix want = DistanceMatrix.of(NaiveClustering.chebyshevRows(d));
    DistanceMatrix in = DistanceMatrix.of(d);
    int[][] blockings = {{7, 9, 5}, {1, 1, 1}, {3, 64, 50}, {64, 13, 128}, {50, 49, 2}};
    for (int[] b : blockings) {
      assertEquals(want, ChebyshevRows.kernel(in, b[0], b[1], b[2]), Arrays.toString(b));
    }
  }

  @Test
  void proximityKernelMatchesNaiveInParallel() {
    // 601 units: five row blocks of the default size (the last one short), run in parallel.
    int n = 601;
    assertTrue(n >= ChebyshevRows.KERNEL_FROM && n > 4 * ChebyshevRows.ROW_BLOCK);
    float[][] d = NaiveClustering.randomDistances(n, 9, Random::nextFloat);
    DistanceMatrix got = ChebyshevRows.proximity(DistanceMatrix.of(d));
    assertEquals(DistanceMatrix.of(NaiveClustering.chebyshevRows(d)), got);
    assertEquals(got, ChebyshevRows.proximity(DistanceMatrix.of(d)));
  }

  @Test
  void rejectsMissingArguments() {
    DistanceMatrix d = DistanceMatrix.of(FOUR);
    assertEquals(
        "linkage mode is missing",
        assertThrows(IllegalArgumentException.class, () -> Clustering.fit(d, null)).getMessage());
    assertEquals(
        "distance matrix is missing",
        assertThrows(
                IllegalArgumentException.class, () -> Clustering.fit((DistanceMatrix) null, DIRECT))
            .getMessage());
    assertEquals(
        "distance matrix is 4 x 3 (row 2), expected square",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    Clustering.fit(
                        new float[][] {{0, 1, 1, 1}, {1, 0, 1, 1}, {1, 1, 0}, {1, 1, 1, 0}},
                        DIRECT))
            .getMessage());
  }

  static void assertMerges(Dendrogram tree, int[][] pairs, double... heights) {
    assertEquals(pairs.length + 1, tree.leaves());
    int[] left = new int[pairs.length];
    int[] right = new int[pairs.length];
    for (int k = 0; k < pairs.length; k++) {
      left[k] = pairs[k][0];
      right[k] = pairs[k][1];
    }
    assertArrayEquals(left, tree.left(), "left ids");
    assertArrayEquals(right, tree.right(), "right ids");
    assertArrayEquals(heights, tree.heights(), "heights");
  }

  static void assertCut(Dendrogram tree, double threshold, int... labels) {
    assertArrayEquals(labels, tree.cut(threshold), "cut at " + threshold);
    assertEquals(
        Arrays.stream(labels).max().orElse(-1) + 1,
        tree.clusterCount(threshold),
        "cluster count at " + threshold);
  }
}
