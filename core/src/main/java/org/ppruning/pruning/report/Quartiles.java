package org.ppruning.pruning.report;

import java.util.Arrays;
import java.util.Optional;

/**
 * Five-number summary and mean of a set of values (a box in the salience chart). Quantiles
 * interpolate linearly between order statistics, numpy's default: the q-quantile of n sorted values
 * is at position {@code q * (n - 1)}.
 *
 * @param count values summarised, {@code >= 1}
 * @param min smallest value
 * @param q1 first quartile
 * @param median median
 * @param q3 third quartile
 * @param max largest value
 * @param mean arithmetic mean
 */
public record Quartiles(
    int count, double min, double q1, double median, double q3, double max, double mean) {

  /** The summary of {@code values}; empty if there are none. Values must be finite. */
  public static Optional<Quartiles> of(double[] values) {
    if (values.length == 0) {
      return Optional.empty();
    }
    double[] v = values.clone();
    Arrays.sort(v);
    double sum = 0;
    for (double x : v) {
      if (!Double.isFinite(x)) {
        throw new IllegalArgumentException("cannot summarise the non-finite value " + x);
      }
      sum += x;
    }
    return Optional.of(
        new Quartiles(
            v.length,
            v[0],
            quantile(v, 0.25),
            quantile(v, 0.5),
            quantile(v, 0.75),
            v[v.length - 1],
            sum / v.length));
  }

  /** The q-quantile of sorted values, interpolated at position {@code q * (n - 1)}. */
  static double quantile(double[] sorted, double q) {
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }
}
