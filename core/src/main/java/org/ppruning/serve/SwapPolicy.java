package org.ppruning.serve;

/**
 * When a loaded, warmed-up version may still be refused: if {@code metric} is set and both the
 * candidate and the served version recorded it (spec metadata {@code metrics}, or the metrics it
 * was offered with), the candidate is refused when its value is below the served one's by more than
 * {@code tolerance}. A candidate without the metric is refused when the served version has it:
 * nothing shows it is not worse.
 *
 * @param metric metric name (e.g. {@code accuracy}, higher is better), or null to compare nothing
 * @param tolerance how much worse a candidate may be and still be swapped in (>= 0)
 */
public record SwapPolicy(String metric, double tolerance) {
  public SwapPolicy {
    if (metric != null && metric.isBlank()) {
      metric = null;
    }
    if (!(tolerance >= 0)) {
      throw new IllegalArgumentException("swap tolerance must be >= 0, got " + tolerance);
    }
  }

  /** Swap in every version that loads and warms up. */
  public static SwapPolicy always() {
    return new SwapPolicy(null, 0);
  }

  /** Null if {@code candidate} may replace {@code current}, else why not. */
  String refusal(ServedVersion candidate, ServedVersion current) {
    if (current == null) {
      return null;
    }
    return refusal(candidate.metrics(), current.version(), current.metrics());
  }

  /**
   * Null if a version with {@code candidate} metrics may replace version {@code baseline} with
   * {@code baselineMetrics}, else why not.
   */
  String refusal(
      java.util.Map<String, Double> candidate,
      long baseline,
      java.util.Map<String, Double> baselineMetrics) {
    if (metric == null || baseline == 0) {
      return null;
    }
    Double now = baselineMetrics.get(metric);
    Double next = candidate.get(metric);
    if (now == null) {
      return null;
    }
    if (next == null) {
      return "it recorded no "
          + metric
          + " while the served version "
          + baseline
          + " has "
          + metric
          + " "
          + now;
    }
    if (next < now - tolerance) {
      return "its "
          + metric
          + " "
          + next
          + " is worse than the served version "
          + baseline
          + "'s "
          + now
          + " (tolerance "
          + tolerance
          + ")";
    }
    return null;
  }
}
