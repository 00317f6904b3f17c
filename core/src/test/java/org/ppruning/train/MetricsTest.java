package org.ppruning.train;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Known answers worked out by hand. */
class MetricsTest {
  static final int[] GOLD = {1, 1, 1, 0, 0, 0, 1, 0};
  static final int[] PRED = {1, 0, 1, 0, 1, 0, 1, 0};

  @Test
  void classificationMetrics() {
    assertEquals(6 / 8.0, Metrics.accuracy(GOLD, PRED));
    // tp 3, fp 1, fn 1: F1 = 6 / 8.
    assertEquals(0.75, Metrics.f1(GOLD, PRED, 1), 1e-12);
    // tp 3, tn 3, fp 1, fn 1: (9 - 1) / sqrt(4 * 4 * 4 * 4) = 0.5.
    assertEquals(0.5, Metrics.matthews(GOLD, PRED), 1e-12);
    assertEquals(0.0, Metrics.matthews(new int[] {1, 1}, new int[] {1, 1}));
  }

  @Test
  void correlations() {
    double[] x = {1, 2, 3, 4, 5};
    assertEquals(1.0, Metrics.pearson(x, new double[] {2, 4, 6, 8, 10}), 1e-12);
    assertEquals(-1.0, Metrics.pearson(x, new double[] {5, 4, 3, 2, 1}), 1e-12);
    // Monotone but not linear: Spearman 1, Pearson below 1.
    double[] cube = {1, 8, 27, 64, 125};
    assertEquals(1.0, Metrics.spearman(x, cube), 1e-12);
    assertTrue(Metrics.pearson(x, cube) < 0.99);
    // Ties take the average rank: ranks of {1, 2, 2, 3} are {1, 2.5, 2.5, 4}.
    assertArrayEquals(new double[] {1, 2.5, 2.5, 4}, Metrics.ranks(new double[] {1, 2, 2, 3}));
  }

  @Test
  void perplexityAndBadInput() {
    assertEquals(Math.E, Metrics.perplexity(10, 10), 1e-12);
    assertThrows(IllegalArgumentException.class, () -> Metrics.accuracy(new int[0], new int[0]));
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Metrics.accuracy(new int[] {1}, new int[] {1, 0}));
    assertTrue(e.getMessage().contains("1 vs 2"));
  }
}
