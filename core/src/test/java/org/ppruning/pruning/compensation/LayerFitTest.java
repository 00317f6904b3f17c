package org.ppruning.pruning.compensation;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.ppruning.model.FloatTensor;

class LayerFitTest {
  static final int ROWS = 200;
  static final int W = 5;
  static final int D = 3;

  /** Rows of 5 inputs where input 4 is twice input 1 (a duplicated unit, scaled). */
  static FloatTensor inputs(long seed) {
    Random r = new Random(seed);
    float[] x = new float[ROWS * W];
    for (int i = 0; i < ROWS; i++) {
      for (int j = 0; j < 4; j++) {
        x[i * W + j] = (float) (0.5 + r.nextGaussian());
      }
      x[i * W + 4] = 2 * x[i * W + 1];
    }
    return new FloatTensor(new long[] {ROWS, W}, x);
  }

  static FloatTensor random(long seed, long... shape) {
    Random r = new Random(seed);
    FloatTensor t = FloatTensor.zeros(shape);
    for (int i = 0; i < t.size(); i++) {
      t.data()[i] = (float) r.nextGaussian();
    }
    return t;
  }

  /** y = x[:, cols] k + b for every row. */
  static double[] project(FloatTensor x, int[] cols, FloatTensor k, FloatTensor b) {
    double[] y = new double[ROWS * D];
    for (int i = 0; i < ROWS; i++) {
      for (int j = 0; j < D; j++) {
        double s = b.data()[j];
        for (int c = 0; c < cols.length; c++) {
          s += x.data()[i * W + cols[c]] * k.data()[c * D + j];
        }
        y[i * D + j] = s;
      }
    }
    return y;
  }

  @Test
  void leastSquaresRecoversADuplicatedUnitExactly() {
    FloatTensor x = inputs(1);
    FloatTensor kernel = random(2, W, D);
    FloatTensor bias = random(3, D);
    int[] keep = {0, 1, 2, 3};
    LayerFit.Solution s;
    try (LayerFit f = new LayerFit(kernel, keep, true)) {
      f.add(x, null);
      assertEquals(ROWS, f.rows());
      s = f.solve(1e-9, bias);
    }
    double[] want = project(x, new int[] {0, 1, 2, 3, 4}, kernel, bias);
    double[] got = project(x, keep, s.rows(), s.bias());
    double[] plain = project(x, keep, rows(kernel, keep), bias);
    double err = 0;
    double lost = 0;
    for (int i = 0; i < want.length; i++) {
      err = Math.max(err, Math.abs(want[i] - got[i]));
      lost = Math.max(lost, Math.abs(want[i] - plain[i]));
    }
    assertTrue(err < 1e-4, "reconstruction error " + err);
    assertTrue(lost > 0.5, "dropping the unit without compensation should lose output: " + lost);
    // The duplicate's rows fold into its twin's: row 1 gains 2 x row 4, the others are unchanged.
    for (int j = 0; j < D; j++) {
      assertEquals(
          kernel.data()[1 * D + j] + 2 * kernel.data()[4 * D + j],
          s.rows().data()[1 * D + j],
          1e-4);
      assertEquals(kernel.data()[0 * D + j], s.rows().data()[0 * D + j], 1e-4);
      assertEquals(bias.data()[j], s.bias().data()[j], 1e-4);
    }
  }

  @Test
  void biasModeAddsTheDroppedUnitsMeanContribution() {
    FloatTensor x = inputs(4);
    FloatTensor kernel = random(5, W, D);
    FloatTensor bias = random(6, D);
    int[] keep = {0, 1, 2, 3};
    LayerFit.Solution s;
    try (LayerFit f = new LayerFit(kernel, keep, true)) {
      // Two batches: the sums accumulate.
      f.add(rowsOf(x, 0, 120), null);
      f.add(rowsOf(x, 120, ROWS), null);
      s = f.solve(Double.POSITIVE_INFINITY, bias);
    }
    double mean4 = 0;
    for (int i = 0; i < ROWS; i++) {
      mean4 += x.data()[i * W + 4];
    }
    mean4 /= ROWS;
    assertEquals(rows(kernel, keep), s.rows());
    for (int j = 0; j < D; j++) {
      assertEquals(bias.data()[j] + mean4 * kernel.data()[4 * D + j], s.bias().data()[j], 1e-4);
    }
  }

  @Test
  void targetFromOtherInputs() {
    // The target is the full projection of different rows (the original model's): with the kept
    // inputs equal to the target's, least squares again reproduces it.
    FloatTensor x = inputs(7);
    FloatTensor kernel = random(8, W, D);
    FloatTensor bias = random(9, D);
    int[] keep = {0, 1, 2, 3};
    LayerFit.Solution s;
    try (LayerFit f = new LayerFit(kernel, keep, false)) {
      f.add(x, x);
      s = f.solve(1e-9, bias);
      assertThrows(
          IllegalArgumentException.class, () -> f.add(x, rowsOf(x, 0, 10)), "row counts differ");
    }
    double[] want = project(x, new int[] {0, 1, 2, 3, 4}, kernel, bias);
    double[] got = project(x, keep, s.rows(), s.bias());
    for (int i = 0; i < want.length; i++) {
      assertEquals(want[i], got[i], 1e-4);
    }
  }

  @Test
  void refusesWrongShapesAndNoRows() {
    FloatTensor kernel = random(10, W, D);
    try (LayerFit f = new LayerFit(kernel, new int[] {0, 1}, true)) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> f.add(FloatTensor.zeros(4, W + 1), null));
      assertTrue(e.getMessage().contains("[rows, 5]"), e.getMessage());
      assertThrows(IllegalStateException.class, () -> f.solve(1e-2, random(11, D)));
    }
  }

  static FloatTensor rows(FloatTensor k, int[] keep) {
    float[] out = new float[keep.length * D];
    for (int i = 0; i < keep.length; i++) {
      System.arraycopy(k.data(), keep[i] * D, out, i * D, D);
    }
    return new FloatTensor(new long[] {keep.length, D}, out);
  }

  static FloatTensor rowsOf(FloatTensor x, int from, int to) {
    float[] out = java.util.Arrays.copyOfRange(x.data(), from * W, to * W);
    return new FloatTensor(new long[] {to - from, W}, out);
  }
}
