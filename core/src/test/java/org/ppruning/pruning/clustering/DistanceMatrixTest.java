package org.ppruning.pruning.clustering;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class DistanceMatrixTest {

  static final float[][] THREE = {{0f, 0.25f, 0.5f}, {0.25f, 0f, 0.75f}, {0.5f, 0.75f, 0f}};

  @Test
  void condensesTheUpperTriangleRowByRow() {
    DistanceMatrix d = DistanceMatrix.of(THREE);
    assertEquals(3, d.size());
    assertArrayEquals(new float[] {0.25f, 0.5f, 0.75f}, d.condensed());
    assertEquals(0.75f, d.get(2, 1));
    assertEquals(0.75f, d.get(1, 2));
    assertEquals(0f, d.get(1, 1));
    assertArrayEquals(THREE, d.toSquare());
    float[] rowMajor = {0f, 0.25f, 0.5f, 0.25f, 0f, 0.75f, 0.5f, 0.75f, 0f};
    assertEquals(d, DistanceMatrix.ofRowMajor(3, rowMajor));
    assertEquals(d, new DistanceMatrix(3, new float[] {0.25f, 0.5f, 0.75f}));
    // scipy's squareform index: n*i - i*(i+1)/2 + (j - i - 1).
    assertEquals(0, DistanceMatrix.index(3, 0, 1));
    assertEquals(2, DistanceMatrix.index(3, 1, 2));
    assertEquals(3072L * 3071 / 2 - 1, DistanceMatrix.index(3072, 3070, 3071));
  }

  @Test
  void isImmutable() {
    float[] values = {0.25f, 0.5f, 0.75f};
    DistanceMatrix d = new DistanceMatrix(3, values);
    values[0] = 9f;
    d.condensed()[1] = 9f;
    d.toSquare()[0][1] = 9f;
    assertArrayEquals(new float[] {0.25f, 0.5f, 0.75f}, d.condensed());
  }

  @Test
  void rejectsNonSquareInput() {
    assertMessage(
        "distance matrix is 2 x 3 (row 0), expected square",
        () -> DistanceMatrix.of(new float[][] {{0, 1, 1}, {1, 0, 1}}));
    assertMessage(
        "distance matrix row 1 is missing",
        () -> DistanceMatrix.of(new float[][] {{0f, 1f}, null}));
    assertMessage(
        "distance matrix is 0 x 0, expected at least one unit",
        () -> DistanceMatrix.of(new float[0][]));
    assertMessage(
        "distance matrix has 8 values, expected 3 x 3",
        () -> DistanceMatrix.ofRowMajor(3, new float[8]));
    assertMessage(
        "condensed distances have 2 values, expected 3 for 3 units",
        () -> new DistanceMatrix(3, new float[2]));
    assertMessage(
        "distance matrix size is 0, expected 1..65535", () -> new DistanceMatrix(0, new float[0]));
  }

  @Test
  void rejectsAsymmetryAndANonZeroDiagonal() {
    float[][] d = copy(THREE);
    d[2][1] = 0.7f;
    assertMessage(
        "distance matrix is not symmetric: D[1][2] = 0.75 but D[2][1] = 0.7",
        () -> DistanceMatrix.of(d));
    float[][] e = copy(THREE);
    e[2][2] = 0.125f;
    assertMessage(
        "distance matrix has D[2][2] = 0.125, expected 0 on the diagonal",
        () -> DistanceMatrix.of(e));
  }

  @Test
  void rejectsNaNInfiniteAndNegativeDistancesNamingThePair() {
    float[][] d = copy(THREE);
    d[0][2] = Float.NaN;
    d[2][0] = Float.NaN;
    assertMessage("distance between units 0 and 2 is NaN", () -> DistanceMatrix.of(d));
    float[][] lower = copy(THREE);
    lower[2][0] = Float.NaN;
    assertMessage("distance between units 2 and 0 is NaN", () -> DistanceMatrix.of(lower));
    assertMessage(
        "distance between units 1 and 2 is NaN",
        () -> new DistanceMatrix(3, new float[] {0.25f, 0.5f, Float.NaN}));
    assertMessage(
        "distance between units 0 and 1 is -1.0E-7, expected a finite value >= 0",
        () -> new DistanceMatrix(3, new float[] {-1e-7f, 0.5f, 0.75f}));
    assertMessage(
        "distance between units 0 and 2 is Infinity, expected a finite value >= 0",
        () -> new DistanceMatrix(3, new float[] {0.25f, Float.POSITIVE_INFINITY, 0.75f}));
    // The diagonal must be exactly 0: NaN there is caught by the diagonal check.
    float[][] diagonal = copy(THREE);
    diagonal[1][1] = Float.NaN;
    assertMessage(
        "distance matrix has D[1][1] = NaN, expected 0 on the diagonal",
        () -> DistanceMatrix.of(diagonal));
  }

  @Test
  void getChecksUnits() {
    DistanceMatrix d = DistanceMatrix.of(THREE);
    assertEquals(
        "unit 3 of a 3-unit distance matrix",
        assertThrows(IndexOutOfBoundsException.class, () -> d.get(0, 3)).getMessage());
  }

  static float[][] copy(float[][] d) {
    float[][] c = new float[d.length][];
    for (int i = 0; i < d.length; i++) {
      c[i] = d[i].clone();
    }
    return c;
  }

  static void assertMessage(String message, Executable call) {
    assertEquals(message, assertThrows(IllegalArgumentException.class, call).getMessage());
  }
}
