package org.ppruning.pruning.clustering;

import java.util.Arrays;

/**
 * Pairwise distances between the {@code size} units of one layer (its heads, or its FFN neurons),
 * the input of the clustering step.
 *
 * <p>Stored condensed, as scipy's {@code pdist} returns it: the strict upper triangle row by row,
 * so {@code d(i, j)} for {@code i < j} is at {@code size * i - i * (i + 1) / 2 + (j - i - 1)}. A
 * condensed matrix is symmetric with a zero diagonal by construction; {@link #of(float[][])} and
 * {@link #ofRowMajor(int, float[])} check that a square input has those properties before
 * condensing it, so an asymmetric input is an error rather than half ignored.
 *
 * <p>Every distance must be finite and {@code >= 0}: a NaN, an infinity or a negative value (a
 * rounding error upstream, say {@code 1 - cos} just below 0) is an error naming the pair, never
 * clamped here.
 *
 * @param size number of units, {@code >= 1}
 * @param condensed the {@code size * (size - 1) / 2} distances above the diagonal, row by row;
 *     copied in and out, so a matrix never changes
 */
public record DistanceMatrix(int size, float[] condensed) {

  /** Largest size whose condensed form fits one Java array. */
  public static final int MAX_SIZE = 65_535;

  public DistanceMatrix {
    if (size < 1 || size > MAX_SIZE) {
      throw new IllegalArgumentException(
          "distance matrix size is " + size + ", expected 1.." + MAX_SIZE);
    }
    if (condensed == null) {
      throw new IllegalArgumentException("condensed distances are missing");
    }
    long expected = (long) size * (size - 1) / 2;
    if (condensed.length != expected) {
      throw new IllegalArgumentException(
          "condensed distances have "
              + condensed.length
              + " values, expected "
              + expected
              + " for "
              + size
              + " units");
    }
    condensed = condensed.clone();
    int at = 0;
    for (int i = 0; i < size; i++) {
      for (int j = i + 1; j < size; j++) {
        checkValue(i, j, condensed[at++]);
      }
    }
  }

  /**
   * Condenses a square matrix after checking that it is square, symmetric (exactly), zero on the
   * diagonal and free of NaN, infinite and negative distances.
   *
   * @param square {@code square[i][j]} is the distance between units i and j
   */
  public static DistanceMatrix of(float[][] square) {
    if (square == null) {
      throw new IllegalArgumentException("distance matrix is missing");
    }
    int n = square.length;
    for (int i = 0; i < n; i++) {
      if (square[i] == null) {
        throw new IllegalArgumentException("distance matrix row " + i + " is missing");
      }
      if (square[i].length != n) {
        throw new IllegalArgumentException(
            "distance matrix is "
                + n
                + " x "
                + square[i].length
                + " (row "
                + i
                + "), expected square");
      }
    }
    return condense(n, (i, j) -> square[i][j]);
  }

  /**
   * Condenses a square matrix given row by row in one array ({@code values[i * n + j]}), with the
   * checks of {@link #of(float[][])}.
   */
  public static DistanceMatrix ofRowMajor(int n, float[] values) {
    if (values == null) {
      throw new IllegalArgumentException("distance matrix is missing");
    }
    if (n < 0 || (long) n * n != values.length) {
      throw new IllegalArgumentException(
          "distance matrix has " + values.length + " values, expected " + n + " x " + n);
    }
    return condense(n, (i, j) -> values[i * n + j]);
  }

  /** Distance between units i and j (0 when {@code i == j}). */
  public float get(int i, int j) {
    checkUnit(i);
    checkUnit(j);
    if (i == j) {
      return 0f;
    }
    return i < j ? condensed[index(size, i, j)] : condensed[index(size, j, i)];
  }

  /** A copy of the condensed distances. */
  @Override
  public float[] condensed() {
    return condensed.clone();
  }

  /** The full square matrix as new rows (symmetric, zero diagonal). */
  public float[][] toSquare() {
    float[][] rows = new float[size][size];
    int at = 0;
    for (int i = 0; i < size; i++) {
      float[] row = rows[i];
      for (int j = i + 1; j < size; j++) {
        float v = condensed[at++];
        row[j] = v;
        rows[j][i] = v;
      }
    }
    return rows;
  }

  /** Position of {@code d(i, j)}, {@code i < j}, in the condensed array of an n-unit matrix. */
  static int index(int n, int i, int j) {
    return (int) ((long) n * i - (long) i * (i + 1) / 2 + (j - i - 1));
  }

  private interface Square {
    float at(int i, int j);
  }

  private static DistanceMatrix condense(int n, Square d) {
    if (n < 1) {
      throw new IllegalArgumentException("distance matrix is 0 x 0, expected at least one unit");
    }
    if (n > MAX_SIZE) {
      throw new IllegalArgumentException(
          "distance matrix is " + n + " x " + n + ", larger than " + MAX_SIZE);
    }
    float[] condensed = new float[(int) ((long) n * (n - 1) / 2)];
    int at = 0;
    for (int i = 0; i < n; i++) {
      float diagonal = d.at(i, i);
      if (diagonal != 0f) {
        throw new IllegalArgumentException(
            "distance matrix has D["
                + i
                + "]["
                + i
                + "] = "
                + diagonal
                + ", expected 0 on the diagonal");
      }
      for (int j = i + 1; j < n; j++) {
        float upper = d.at(i, j);
        float lower = d.at(j, i);
        checkValue(i, j, upper);
        checkValue(j, i, lower);
        // Exact equality: complete linkage reads one triangle, so any asymmetry would be half lost.
        if (upper != lower) {
          throw new IllegalArgumentException(
              "distance matrix is not symmetric: D["
                  + i
                  + "]["
                  + j
                  + "] = "
                  + upper
                  + " but D["
                  + j
                  + "]["
                  + i
                  + "] = "
                  + lower);
        }
        condensed[at++] = upper;
      }
    }
    return new DistanceMatrix(n, condensed);
  }

  private static void checkValue(int i, int j, float v) {
    if (Float.isNaN(v)) {
      throw new IllegalArgumentException("distance between units " + i + " and " + j + " is NaN");
    }
    if (Float.isInfinite(v) || v < 0f) {
      throw new IllegalArgumentException(
          "distance between units "
              + i
              + " and "
              + j
              + " is "
              + v
              + ", expected a finite value >= 0");
    }
  }

  private void checkUnit(int i) {
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException("unit " + i + " of a " + size + "-unit distance matrix");
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DistanceMatrix m && size == m.size && Arrays.equals(condensed, m.condensed);
  }

  @Override
  public int hashCode() {
    return 31 * size + Arrays.hashCode(condensed);
  }

  @Override
  public String toString() {
    return "DistanceMatrix[size=" + size + "]";
  }
}
