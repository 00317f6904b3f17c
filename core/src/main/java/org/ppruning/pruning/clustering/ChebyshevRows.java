package org.ppruning.pruning.clustering;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The proximity the official P-pruning code clusters on: it passes the square distance matrix D to
 * scipy's {@code linkage(D, method='complete', metric='chebyshev')}, which reads a 2-D array as
 * one observation per row. The proximity of units i and j is thus the Chebyshev distance between
 * rows i and j of D:
 *
 * <pre>  p(i, j) = max over k of |D[i][k] - D[j][k]|</pre>
 *
 * <p>two units are close when they are at similar distances from every unit, themselves included.
 * The result is again a {@link DistanceMatrix} (symmetric, zero diagonal, in {@code [0, max D]}).
 *
 * <p><b>Precision.</b> Differences and maxima are taken in float, as D is; scipy works in double.
 * A float result is the double one rounded to float (rounding is monotone, so it commutes with the
 * maximum) whenever the double difference is exact, which holds for entries within a factor
 * 2^29 of each other. Proximities that differ by less than a float ulp can thus tie here.
 *
 * <p><b>Cost.</b> {@code n^3 / 2} absolute differences: 1.45e10 for an FFN layer of 3,072 neurons.
 * Since D is symmetric, row j of D is also its column j, so the kernel is a matrix "product" in
 * the (max, |a - b|) semiring: for each unit k it broadcasts {@code D[i][k]} against row k of D and
 * folds the result into an accumulator row. That loop has no reduction and indexes both arrays
 * with the same counter, which C2 compiles to vector subtract, abs and max. Rows are processed
 * in blocks that share each streamed row k, column blocks keep the accumulators in L1, and row
 * blocks run in parallel on the common fork-join pool. Every proximity is computed by the same
 * sequence of exact maxima whatever the thread count, so results are bit-identical.
 */
public final class ChebyshevRows {

  /** Rows whose accumulators share each streamed row k of D. */
  static final int ROW_BLOCK = 8;
  /**
   * Columns per pass: long enough for C2's vector loop (short loops run in its scalar tail), short
   * enough that {@code ROW_BLOCK} accumulator segments (16 KB) stay in L1.
   */
  static final int COLUMN_BLOCK = 512;
  /** Below this many units the fork-join overhead outweighs the work. */
  static final int PARALLEL_FROM = 128;

  private ChebyshevRows() {}

  /** The Chebyshev distances between the rows of {@code distances}, viewed as a square matrix. */
  public static DistanceMatrix proximity(DistanceMatrix distances) {
    int n = distances.size();
    float[][] rows = distances.toSquare();
    float[] out = new float[(int) ((long) n * (n - 1) / 2)];
    int blocks = (n + ROW_BLOCK - 1) / ROW_BLOCK;
    IntStream tasks = IntStream.range(0, blocks);
    if (n >= PARALLEL_FROM) {
      tasks = tasks.parallel();
    }
    // Block b computes rows b*ROW_BLOCK.. against the columns after them: early blocks do the
    // most work. Interleaving first and last blocks gives every split of the range an even share.
    tasks.forEach(t -> rowBlock(rows, ROW_BLOCK * (t % 2 == 0 ? t / 2 : blocks - 1 - t / 2), out));
    return new DistanceMatrix(n, out);
  }

  /** Proximities of rows {@code i0 .. i0 + ROW_BLOCK - 1} to every later row, into {@code out}. */
  private static void rowBlock(float[][] d, int i0, float[] out) {
    int n = d.length;
    int i1 = Math.min(n, i0 + ROW_BLOCK);
    float[][] acc = new float[i1 - i0][n];
    for (int j0 = i0 + 1; j0 < n; j0 += COLUMN_BLOCK) {
      int j1 = Math.min(n, j0 + COLUMN_BLOCK);
      for (float[] a : acc) {
        Arrays.fill(a, j0, j1, 0f); // every term is >= 0, so 0 is the identity of this max
      }
      for (int k = 0; k < n; k++) {
        float[] rowK = d[k]; // = column k of D, by symmetry
        for (int i = i0; i < i1; i++) {
          maxAbsDifference(acc[i - i0], d[i][k], rowK, j0, j1);
        }
      }
      for (int i = i0; i < i1; i++) {
        // Columns j <= i of the block's later rows were computed too, and are dropped here.
        int from = Math.max(j0, i + 1);
        if (from < j1) {
          System.arraycopy(acc[i - i0], from, out, DistanceMatrix.index(n, i, from), j1 - from);
        }
      }
    }
  }

  /** {@code acc[j] = max(acc[j], |a - row[j]|)} for j in [from, to): the vectorised hot loop. */
  static void maxAbsDifference(float[] acc, float a, float[] row, int from, int to) {
    for (int j = from; j < to; j++) {
      acc[j] = Math.max(acc[j], Math.abs(a - row[j]));
    }
  }
}
