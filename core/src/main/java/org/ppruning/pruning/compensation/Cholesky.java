package org.ppruning.pruning.compensation;

/**
 * Solves {@code (A + lambda I) X = B} for a symmetric positive semi-definite {@code A} by Cholesky
 * factorisation in double precision. Matrices are dense row-major {@code double[]}.
 */
public final class Cholesky {
  private Cholesky() {}

  /**
   * @param a [n, n] symmetric, positive semi-definite (only its lower triangle is read)
   * @param lambda ridge added to the diagonal, {@code >= 0}; with {@code a} singular it must be
   *     {@code > 0}
   * @param b [n, m] right-hand sides
   * @return X [n, m]
   * @throws IllegalArgumentException if the shapes disagree or {@code a + lambda I} is not positive
   *     definite (names the pivot)
   */
  public static double[] solve(double[] a, int n, double lambda, double[] b, int m) {
    if (a.length != (long) n * n || b.length != (long) n * m) {
      throw new IllegalArgumentException(
          "need A " + n + "x" + n + " and B " + n + "x" + m + ", got " + a.length + " and "
              + b.length + " values");
    }
    if (!(lambda >= 0) || Double.isInfinite(lambda)) {
      throw new IllegalArgumentException("ridge must be finite and >= 0, got " + lambda);
    }
    double[] l = factor(a, n, lambda);
    double[] y = b.clone();
    // L y = b, row by row.
    for (int i = 0; i < n; i++) {
      int yi = i * m;
      for (int k = 0; k < i; k++) {
        double c = l[i * n + k];
        if (c != 0) {
          int yk = k * m;
          for (int j = 0; j < m; j++) {
            y[yi + j] -= c * y[yk + j];
          }
        }
      }
      double d = l[i * n + i];
      for (int j = 0; j < m; j++) {
        y[yi + j] /= d;
      }
    }
    // L^T x = y, bottom up.
    for (int i = n - 1; i >= 0; i--) {
      int xi = i * m;
      for (int k = i + 1; k < n; k++) {
        double c = l[k * n + i];
        if (c != 0) {
          int xk = k * m;
          for (int j = 0; j < m; j++) {
            y[xi + j] -= c * y[xk + j];
          }
        }
      }
      double d = l[i * n + i];
      for (int j = 0; j < m; j++) {
        y[xi + j] /= d;
      }
    }
    return y;
  }

  /** The lower factor L of {@code a + lambda I} (row-major, upper part zero). */
  static double[] factor(double[] a, int n, double lambda) {
    double[] l = new double[n * n];
    for (int i = 0; i < n; i++) {
      int ri = i * n;
      for (int j = 0; j <= i; j++) {
        int rj = j * n;
        double s = a[ri + j] + (i == j ? lambda : 0);
        for (int k = 0; k < j; k++) {
          s -= l[ri + k] * l[rj + k];
        }
        if (i == j) {
          if (!(s > 0)) {
            throw new IllegalArgumentException(
                "matrix is not positive definite: pivot "
                    + i
                    + " of "
                    + n
                    + " is "
                    + s
                    + " (ridge "
                    + lambda
                    + ")");
          }
          l[ri + i] = Math.sqrt(s);
        } else {
          l[ri + j] = s / l[rj + j];
        }
      }
    }
    return l;
  }
}
