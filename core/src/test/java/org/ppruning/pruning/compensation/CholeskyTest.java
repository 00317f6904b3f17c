package org.ppruning.pruning.compensation;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class CholeskyTest {
  @Test
  void solvesWithRidgeAndSeveralRightHandSides() {
    double[] a = {4, 2, 0, 2, 5, 1, 0, 1, 3};
    // (A + 1 I) x = b with x = [[1, -1], [2, 0], [-1, 3]]
    double[] x = {1, -1, 2, 0, -1, 3};
    double[] b = new double[6];
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 2; j++) {
        for (int k = 0; k < 3; k++) {
          b[i * 2 + j] += (a[i * 3 + k] + (i == k ? 1 : 0)) * x[k * 2 + j];
        }
      }
    }
    assertArrayEquals(x, Cholesky.solve(a, 3, 1, b, 2), 1e-12);
  }

  @Test
  void singularMatrixNeedsARidge() {
    double[] a = {1, 1, 1, 1};
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Cholesky.solve(a, 2, 0, new double[] {1, 1}, 1));
    assertTrue(e.getMessage().contains("pivot 1 of 2"), e.getMessage());
    double[] x = Cholesky.solve(a, 2, 1e-3, new double[] {1, 1}, 1);
    assertEquals(x[0], x[1], 1e-9);
    assertThrows(IllegalArgumentException.class, () -> Cholesky.solve(a, 3, 1, new double[3], 1));
    assertThrows(IllegalArgumentException.class, () -> Cholesky.solve(a, 2, -1, new double[2], 1));
  }
}
