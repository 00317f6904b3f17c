package org.ppruning.pruning.compensation;

import java.util.ArrayList;
import java.util.List;
import org.ppruning.graph.TokenBatch;
import org.ppruning.summary.ProfileBatch;
import org.ppruning.summary.TokenizedSample;

/**
 * The calibration tokens of a compensation: batches of samples and, per batch, the flattened
 * positions of the tokens used as regression rows (the first {@code rows} non-padding tokens of the
 * samples, in the samples' order).
 *
 * @param batches right-padded token batches
 * @param positions per batch, indices into its flattened [size * seqLen] tokens
 * @param rows total positions (regression rows)
 */
public record Calibration(List<TokenBatch> batches, List<int[]> positions, int rows) {
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
  }

  /**
   * The first {@code rows} non-padding tokens of {@code samples} (all of them if they hold fewer;
   * {@link #rows()} says how many were taken).
   */
  public static Calibration of(List<TokenizedSample> samples, int rows, int padId) {
    if (samples.isEmpty()) {
      throw new IllegalArgumentException("no samples to calibrate the compensation on");
    }
    List<TokenBatch> batches = new ArrayList<>();
    List<int[]> positions = new ArrayList<>();
    int taken = 0;
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
          }
        }
      }
      batches.add(b);
      positions.add(pos.stream().mapToInt(Integer::intValue).toArray());
    }
    return new Calibration(batches, positions, taken);
  }
}
