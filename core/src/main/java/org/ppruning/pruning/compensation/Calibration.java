package org.ppruning.pruning.compensation;

import java.util.ArrayList;
import java.util.List;
import org.ppruning.graph.TokenBatch;
import org.ppruning.summary.ProfileBatch;
import org.ppruning.summary.TokenizedSample;

/**
 * The calibration tokens of a compensation: batches of samples and, per batch, the flattened
 * positions of the tokens used as regression rows (the first {@code rows} non-padding tokens of the
 * samples, in the samples' order). With a {@link CalibrationMask} some of the samples' tokens are
 * [MASK] (the rows include them); a mask weight w lists each [MASK] position w times, so its row
 * enters the regression's sums w times.
 *
 * @param batches right-padded token batches
 * @param positions per batch, indices into its flattened [size * seqLen] tokens (a [MASK] position
 *     repeated by the mask's weight)
 * @param rows calibration tokens taken (regression rows before the [MASK] weight)
 * @param mask the masking applied to the samples, or null
 * @param maskedRows how many of the tokens taken hold [MASK] (0 without a mask)
 */
public record Calibration(
    List<TokenBatch> batches,
    List<int[]> positions,
    int rows,
    CalibrationMask mask,
    int maskedRows) {
  /** Samples per calibration batch. */
  public static final int BATCH = 32;

  public Calibration {
    batches = List.copyOf(batches);
    positions = List.copyOf(positions);
    if (batches.size() != positions.size() || batches.isEmpty()) {
      throw new IllegalArgumentException(
          "calibration needs one position list per batch and at least one batch, got "
              + batches.size()
              + " batches and "
              + positions.size()
              + " position lists");
    }
    if (mask == null && maskedRows != 0) {
      throw new IllegalArgumentException(maskedRows + " masked rows without a calibration mask");
    }
  }

  /** Unmasked calibration tokens. */
  public Calibration(List<TokenBatch> batches, List<int[]> positions, int rows) {
    this(batches, positions, rows, null, 0);
  }

  /**
   * The first {@code rows} non-padding tokens of {@code samples} (all of them if they hold fewer;
   * {@link #rows()} says how many were taken).
   */
  public static Calibration of(List<TokenizedSample> samples, int rows, int padId) {
    return of(samples, rows, padId, null);
  }

  /**
   * The first {@code rows} non-padding tokens of {@code samples}, each sample masked by {@code
   * mask} first (sample {@code i} of the list draws its positions with index {@code i}); a null
   * mask leaves them as they are.
   */
  public static Calibration of(
      List<TokenizedSample> samples, int rows, int padId, CalibrationMask mask) {
    if (samples.isEmpty()) {
      throw new IllegalArgumentException("no samples to calibrate the compensation on");
    }
    List<TokenBatch> batches = new ArrayList<>();
    List<int[]> positions = new ArrayList<>();
    if (mask != null) {
      List<TokenizedSample> masked = new ArrayList<>(samples.size());
      for (int i = 0; i < samples.size(); i++) {
        TokenizedSample t = samples.get(i);
        masked.add(new TokenizedSample(t.id(), mask.apply(t.inputIds(), i), t.tokenTypeIds()));
      }
      samples = masked;
    }
    int taken = 0;
    int maskedRows = 0;
    for (int start = 0; start < samples.size() && taken < rows; start += BATCH) {
      List<TokenizedSample> group = samples.subList(start, Math.min(samples.size(), start + BATCH));
      int len = group.stream().mapToInt(TokenizedSample::length).max().orElseThrow();
      TokenBatch b = ProfileBatch.of(group, len, padId).tokens();
      List<Integer> pos = new ArrayList<>();
      for (int i = 0; i < b.size() && taken < rows; i++) {
        for (int j = 0; j < len && taken < rows; j++) {
          if (b.attentionMask()[i * len + j] == 1) {
            pos.add(i * len + j);
            taken++;
            if (mask != null && b.inputIds()[i * len + j] == mask.maskId()) {
              maskedRows++;
              for (int k = 1; k < mask.weight(); k++) {
                pos.add(i * len + j);
              }
            }
          }
        }
      }
      batches.add(b);
      positions.add(pos.stream().mapToInt(Integer::intValue).toArray());
    }
    return new Calibration(batches, positions, taken, mask, maskedRows);
  }
}
