package org.ppruning.pruning.compensation;

import java.util.Arrays;
import java.util.Locale;

/**
 * How the kept units are compensated after selection (see docs/pruning.md).
 *
 * @param mode none, bias (the dropped units' mean contribution folded into the output bias) or
 *     least-squares (new output-projection rows and bias by ridge regression)
 * @param fit where the regression's inputs and targets come from
 * @param rows at most this many calibration tokens (rows of the regression), in [{@value
 *     #MIN_ROWS}, {@value #MAX_ROWS}]
 * @param ridge ridge strength relative to the mean Gram diagonal of the kept units' activations
 *     (mean squared activation per token), in (0, {@value #MAX_RIDGE}]
 */
public record CompensationSettings(Mode mode, Fit fit, int rows, double ridge) {
  public static final int MIN_ROWS = 16;
  public static final int MAX_ROWS = 65_536;
  public static final double MAX_RIDGE = 1e6;
  public static final int DEFAULT_ROWS = 8192;
  public static final double DEFAULT_RIDGE = 1e-2;
  public static final Mode DEFAULT_MODE = Mode.NONE;
  public static final Fit DEFAULT_FIT = Fit.SEQUENTIAL;

  public CompensationSettings {
    if (mode == null || fit == null) {
      throw new IllegalArgumentException("compensation mode and fit are required");
    }
    checkRows(rows);
    if (!(ridge > 0) || ridge > MAX_RIDGE) {
      throw new IllegalArgumentException(
          "compensation ridge must be in (0, " + MAX_RIDGE + "], got " + ridge);
    }
  }

  /**
   * Refuses a row count outside [{@value #MIN_ROWS}, {@value #MAX_ROWS}]: the one bound for the
   * batch command, the pruner and the profiler that collects the rows for it.
   */
  public static void checkRows(int rows) {
    if (rows < MIN_ROWS || rows > MAX_ROWS) {
      throw new IllegalArgumentException(
          "compensation rows must be in ["
              + MIN_ROWS
              + ", "
              + MAX_ROWS
              + "] (calibration tokens), got "
              + rows);
    }
  }

  /** The defaults: {@link #DEFAULT_MODE}, {@link #DEFAULT_FIT}, rows and ridge. */
  public static CompensationSettings defaults() {
    return new CompensationSettings(DEFAULT_MODE, DEFAULT_FIT, DEFAULT_ROWS, DEFAULT_RIDGE);
  }

  public CompensationSettings withMode(Mode m) {
    return new CompensationSettings(m, fit, rows, ridge);
  }

  public CompensationSettings withFit(Fit f) {
    return new CompensationSettings(mode, f, rows, ridge);
  }

  /** What is compensated. */
  public enum Mode {
    NONE,
    BIAS,
    LEAST_SQUARES;

    /** {@code none}, {@code bias} or {@code least-squares}. */
    public String id() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The mode named {@code id}; an unknown name is an error listing the valid ones. */
    public static Mode of(String id) {
      for (Mode m : values()) {
        if (m.id().equals(id)) {
          return m;
        }
      }
      throw new IllegalArgumentException(
          "compensation must be one of "
              + Arrays.stream(values()).map(Mode::id).toList()
              + ", got '"
              + id
              + "'");
    }
  }

  /** Where each layer's regression inputs and targets come from. */
  public enum Fit {
    /**
     * Inputs and targets from the original model: each layer is fitted on its own, as if the layers
     * below were unpruned (the numpy check).
     */
    ORIGINAL,
    /**
     * Layer by layer, bottom up, on the inputs of the model pruned and compensated so far; the
     * target is the full (unpruned) layer's output on those same inputs.
     */
    SEQUENTIAL,
    /**
     * Layer by layer on the pruned-so-far model's inputs, with the original model's layer output
     * (on the original model's own inputs) as the target, so each layer also corrects the drift of
     * the layers below.
     */
    SEQUENTIAL_TO_ORIGINAL;

    /** {@code original}, {@code sequential} or {@code sequential-to-original}. */
    public String id() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The fit named {@code id}; an unknown name is an error listing the valid ones. */
    public static Fit of(String id) {
      for (Fit f : values()) {
        if (f.id().equals(id)) {
          return f;
        }
      }
      throw new IllegalArgumentException(
          "compensation fit must be one of "
              + Arrays.stream(values()).map(Fit::id).toList()
              + ", got '"
              + id
              + "'");
    }
  }
}
