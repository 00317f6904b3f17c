package org.ppruning.pruning.compensation;

import java.util.LinkedHashMap;
import java.util.Map;
import org.ppruning.eval.MaskedLm;
import org.ppruning.model.ModelSpec;
import org.ppruning.tokenize.TextTokenizer;

/**
 * Masked calibration: in each calibration sample a share of the tokens is replaced by [MASK]
 * exactly as {@link MaskedLm#mask} does for the masked-LM evaluation (every chosen position gets
 * [MASK], no 80-10-10 mix; {@code max(1, round(fraction * maskable))} positions per sample; never
 * [CLS], [SEP], [UNK] or padding; positions seeded by {@code seed} and the sample's index), so the
 * regression also sees the inputs the masked-LM score is measured on. Only for models with a
 * masked-LM head and a [MASK] token.
 *
 * @param fraction share of the maskable tokens masked per sample, in (0, {@value #MAX_FRACTION}]
 * @param seed seed of the positions
 * @param maskId the [MASK] token's id
 * @param never ids that are never masked
 * @param weight how many times each [MASK] row enters the regression's sums (1: once, like every
 *     other row), in [1, {@value #MAX_WEIGHT}]
 */
public record CalibrationMask(double fraction, long seed, int maskId, int[] never, int weight) {
  /** Largest mask fraction accepted. */
  public static final double MAX_FRACTION = 0.5;

  /** Largest [MASK] row weight accepted. */
  public static final int MAX_WEIGHT = 64;

  public CalibrationMask {
    if (!(fraction > 0) || fraction > MAX_FRACTION) {
      throw new IllegalArgumentException(
          "calibration mask fraction must be in (0, " + MAX_FRACTION + "], got " + fraction);
    }
    never = never.clone();
    if (weight < 1 || weight > MAX_WEIGHT) {
      throw new IllegalArgumentException(
          "calibration [MASK] row weight must be in [1, " + MAX_WEIGHT + "], got " + weight);
    }
  }

  /** {@link #of(ModelSpec, TextTokenizer, double, long, int)} with weight 1. */
  public static CalibrationMask of(ModelSpec spec, TextTokenizer tok, double fraction, long seed) {
    return of(spec, tok, fraction, seed, 1);
  }

  /**
   * The masking of {@code fraction} for {@code spec}'s model, or null for a fraction of 0 (no
   * masking: today's calibration).
   *
   * @throws IllegalArgumentException if the fraction is outside [0, {@value #MAX_FRACTION}], or it
   *     is above 0 and the model has no masked-LM head or the tokenizer no [MASK] token, or the
   *     weight is outside [1, {@value #MAX_WEIGHT}] (or above 1 with fraction 0)
   */
  public static CalibrationMask of(
      ModelSpec spec, TextTokenizer tok, double fraction, long seed, int weight) {
    if (fraction == 0 && weight != 1) {
      throw new IllegalArgumentException(
          "a [MASK] row weight (" + weight + ") needs a calibration mask fraction above 0");
    }
    if (fraction == 0) {
      return null;
    }
    if (!(fraction > 0) || fraction > MAX_FRACTION) {
      throw new IllegalArgumentException(
          "calibration mask fraction must be in [0, " + MAX_FRACTION + "], got " + fraction);
    }
    if (!spec.mlmHead()) {
      throw new IllegalArgumentException(
          "calibration mask "
              + fraction
              + " needs a model with a masked-LM head; "
              + spec.source()
              + " ("
              + spec.architecture()
              + ") has none: use mask fraction 0");
    }
    int maskId;
    try {
      maskId = tok.tokenId("[MASK]");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "calibration mask " + fraction + " needs a [MASK] token: " + e.getMessage(), e);
    }
    return new CalibrationMask(fraction, seed, maskId, MaskedLm.neverMasked(tok), weight);
  }

  /** Sample {@code index}'s ids with its chosen positions set to [MASK] (a new array). */
  int[] apply(int[] ids, int index) {
    int[] out = ids.clone();
    for (int p : MaskedLm.positions(ids, never, fraction, seed, index)) {
      out[p] = maskId;
    }
    return out;
  }

  /** What is recorded in the pruned model's provenance. */
  Map<String, Object> provenance() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("fraction", fraction);
    m.put("seed", seed);
    m.put("weight", weight);
    return m;
  }
}
