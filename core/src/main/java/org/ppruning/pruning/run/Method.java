package org.ppruning.pruning.run;

import java.util.Locale;

/** How units are chosen. All baselines keep exactly the per-layer widths P-pruning would. */
public enum Method {
  /** Cluster similar units and keep the most salient of each cluster (the paper). */
  P_PRUNING,
  /** Uniformly random units (seeded). */
  RANDOM,
  /**
   * Units with the largest L1 norm of their weights (Q/K/V columns and O rows; FFN column and row).
   */
  WEIGHT_MAGNITUDE,
  /** Units with the largest mean |activation| on the task. */
  ACTIVATION;

  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static Method of(String id) {
    for (Method m : values()) {
      if (m.id().equals(id)) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "unknown method '" + id + "' (expected p-pruning, random, weight-magnitude or activation)");
  }
}
