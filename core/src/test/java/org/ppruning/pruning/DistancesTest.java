package org.ppruning.pruning;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.ppruning.model.FloatTensor;
import org.ppruning.pruning.clustering.DistanceMatrix;

class DistancesTest {
  /** Neurons: 1 - |cos|; a scaled or negated copy is at distance 0, an orthogonal one at 1. */
  @Test
  void neuronDistanceIsOneMinusAbsoluteCosine() {
    // 3 tokens x 4 neurons: n1 = -2 * n0, n2 orthogonal to n0, n3 all zero.
    float[] x = {
      1, -2, 0, 0,
      2, -4, 1, 0,
      0, 0, 0, 0
    };
    // n0 = (1,2,0), n2 = (0,1,0): cos = 2/sqrt(5).
    try (Distances d = new Distances()) {
      DistanceMatrix m = d.neurons(new FloatTensor(new long[] {3, 4}, x));
      assertEquals(4, m.size());
      assertEquals(0f, m.get(0, 1), 1e-6);
      assertEquals(1 - 2 / Math.sqrt(5), m.get(0, 2), 1e-6);
      assertEquals(1f, m.get(0, 3), 0f, "an all-zero neuron is at distance 1");
      for (int i = 0; i < 4; i++) {
        assertEquals(0f, m.get(i, i), 0f);
        for (int j = 0; j < 4; j++) {
          assertEquals(m.get(i, j), m.get(j, i), 0f);
        }
      }
    }
  }

  /** A head whose dimensions are a permutation (with signs and scales) of another's: distance 0. */
  @Test
  void headDistanceMatchesPermutedDimensions() {
    int k = 50;
    int dh = 4;
    Random r = new Random(3);
    float[] x = new float[k * 3 * dh];
    int[] perm = {2, 0, 3, 1};
    for (int t = 0; t < k; t++) {
      for (int c = 0; c < dh; c++) {
        x[t * 12 + c] = (float) r.nextGaussian(); // head 0
        x[t * 12 + 8 + c] = (float) r.nextGaussian(); // head 2: unrelated
      }
      for (int c = 0; c < dh; c++) {
        x[t * 12 + 4 + c] = (c % 2 == 0 ? -3f : 0.5f) * x[t * 12 + perm[c]]; // head 1
      }
    }
    try (Distances d = new Distances()) {
      DistanceMatrix m = d.heads(new FloatTensor(new long[] {k, 12}, x), dh);
      assertEquals(3, m.size());
      assertEquals(0f, m.get(0, 1), 1e-6);
      assertEquals(m.get(0, 1), m.get(1, 0), 0f);
      assertTrue(m.get(0, 2) > 0.5, "unrelated heads are far apart: " + m.get(0, 2));
      assertEquals(0f, m.get(2, 2), 0f);
    }
  }

  /**
   * The greedy matching takes the largest entry, then the largest whose row and column are free.
   */
  @Test
  void greedyMatchingIsNotTheOptimalAssignment() {
    // Greedy takes 0.9 (r0,c0), then the best free entry is 0.1 (r1,c1): mean 0.5.
    // The optimal assignment would be 0.8 + 0.8 (mean 0.8); the reference is greedy.
    float[] sim = {0.9f, 0.8f, 0.8f, 0.1f};
    assertEquals(0.5, Distances.greedyMatchMean(sim, 2), 1e-7);
    // Ties go to the lower flat index: (0,0) then (1,1).
    assertEquals(0.5, Distances.greedyMatchMean(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, 2), 1e-7);
  }

  @Test
  void rejectsMalformedFeatures() {
    try (Distances d = new Distances()) {
      var e =
          assertThrows(IllegalArgumentException.class, () -> d.heads(FloatTensor.zeros(5, 10), 4));
      assertTrue(e.getMessage().contains("not a multiple of the head size 4"), e.getMessage());
      float[] nan = {Float.NaN, 1, 2, 3};
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> d.neurons(new FloatTensor(new long[] {2, 2}, nan)));
      assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    }
  }
}
