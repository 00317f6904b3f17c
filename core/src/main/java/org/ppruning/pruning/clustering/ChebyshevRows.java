package org.ppruning.pruning.clustering;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The proximity the official P-pruning code clusters on: it passes the square distance matrix D to
 * scipy's {@code linkage(D, method='complete', metric='chebyshev')}, which reads a 2-D array as one
 * observation per row. The proximity of units i and j is thus the Chebyshev distance between rows i
 * and j of D:
 *
 * <pre>  p(i, j) = max over k of |D[i][k] - D[j][k]|</pre>
 *
 * <p>two units are close when they are at similar distances from every unit, themselves included.
 * The result is again a {@link DistanceMatrix} (symmetric, zero diagonal, in {@code [0, max D]}).
 *
 * <p><b>Precision.</b> Differences and maxima are taken in float, as D is; scipy works in double. A
 * float result is the double one rounded to float (rounding is monotone, so it commutes with the
 * maximum) whenever the double difference is exact, which holds for entries within a factor 2^29 of
 * each other. Proximities that differ by less than a float ulp can thus tie here.
 *
 * <p><b>Cost.</b> {@code n^3 / 2} absolute differences: 1.45e10 for an FFN layer of 3,072 neurons.
 * Since D is symmetric, row j of D is also its column j, so the kernel is a matrix "product" in the
 * (max, |a - b|) semiring, blocked like a GEMM: for a block of rows i, a block of columns j and a
 * block of units k whose rows of D stay in L2, it broadcasts {@code D[i][k]} against row k of D and
 * folds the result into row i's accumulator, which stays in L1. That inner loop has no reduction
 * and indexes both arrays with the same counter, which C2 compiles to vector subtract, abs and max.
 * Row blocks run in parallel on the common fork-join pool. Every proximity is the same set of exact
 * maxima whatever the blocking and thread count, so results are bit-identical.
 */
public final class ChebyshevRows {

  /** Rows per parallel task; their accumulators share each block of D's rows. */
  static final int ROW_BLOCK = 128;

  /**
   * Columns per pass: long enough for C2's vector loop (short loops run in its scalar tail), short
   * enough that one accumulator segment (4 KB) stays in L1.
   */
  static final int COLUMN_BLOCK = 1024;

  /** Rows k of D per pass: their 64 x 1024 float tile (256 KB) stays in L2 while rows i use it. */
  static final int UNIT_BLOCK = 64;

  /**
   * Below this many units (attention heads, say) a plain loop on one thread does the work, and the
   * kernel is not called. Not only for the fork-join overhead: C2 sizes the kernel's unrolling, and
   * so its vectorisation, from the loop trip counts it has profiled. A JVM that first ran the
   * kernel on thousands of 12- or 64-unit layers then ran 3,072-unit layers 1.6x slower (CPU time
   * 2.6 s against 1.65 s); after 100-unit layers it did not.
   */
  static final int KERNEL_FROM = 128;

  private ChebyshevRows() {}

  /** The Chebyshev distances between the rows of {@code distances}, viewed as a square matrix. */
  public static DistanceMatrix proximity(DistanceMatrix distances) {
    return distances.size() < KERNEL_FROM
        ? small(distances.toSquare())
        : kernel(distances, ROW_BLOCK, COLUMN_BLOCK, UNIT_BLOCK);
  }

  /** The blocked parallel kernel, with explicit block sizes (tests cover the edges). */
  static DistanceMatrix kernel(
      DistanceMatrix distances, int rowBlock, int columnBlock, int unitBlock) {
    int n = distances.size();
    float[][] rows = distances.toSquare();
    float[] out = new float[(int) ((long) n * (n - 1) / 2)];
    int blocks = (n + rowBlock - 1) / rowBlock;
    // Block b computes rows b * rowBlock.. against the columns after them: early blocks do the
    // most work. Interleaving first and last blocks gives every split of the range an even share.
    IntStream.range(0, blocks)
        .parallel()
        .forEach(
            t ->
                rowBlock(
                    rows,
                    rowBlock,
                    rowBlock * (t % 2 == 0 ? t / 2 : blocks - 1 - t / 2),
                    columnBlock,
                    unitBlock,
                    out));
    return new DistanceMatrix(n, out);
  }

  /** Proximities of rows {@code i0 .. i0 + rowBlock - 1} to every later row, into {@code out}. */
  private static void rowBlock(
      float[][] d, int rowBlock, int i0, int columnBlock, int unitBlock, float[] out) {
    int n = d.length;
    int i1 = Math.min(n, i0 + rowBlock);
    float[][] acc = new float[i1 - i0][n];
    for (int j0 = i0 + 1; j0 < n; j0 += columnBlock) {
      int j1 = Math.min(n, j0 + columnBlock);
      for (float[] a : acc) {
        Arrays.fill(a, j0, j1, 0f); // every term is >= 0, so 0 is the identity of this max
      }
      for (int k0 = 0; k0 < n; k0 += unitBlock) {
        int k1 = Math.min(n, k0 + unitBlock);
        for (int i = i0; i < i1; i++) {
          float[] accI = acc[i - i0];
          float[] rowI = d[i];
          for (int k = k0; k < k1; k++) {
            maxAbsDifference(accI, rowI[k], d[k], j0, j1); // d[k] = column k of D, by symmetry
          }
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

  /** The same proximities pair by pair, for layers too small for the kernel (attention heads). */
  private static DistanceMatrix small(float[][] d) {
    int n = d.length;
    float[] out = new float[n * (n - 1) / 2];
    int at = 0;
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        float m = 0f;
        for (int k = 0; k < n; k++) {
          m = Math.max(m, Math.abs(d[i][k] - d[j][k]));
        }
        out[at++] = m;
      }
    }
    return new DistanceMatrix(n, out);
  }

  /** {@code acc[j] = max(acc[j], |a - row[j]|)} for j in [from, to): the vectorised hot loop. */
  static void maxAbsDifference(float[] acc, float a, float[] row, int from, int to) {
    for (int j = from; j < to; j++) {
      acc[j] = Math.max(acc[j], Math.abs(a - row[j]));
    }
  }
}
