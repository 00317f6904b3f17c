package org.ppruning.summary;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ppruning.graph.TokenBatch;
import org.ppruning.summary.proto.SummaryConfig;

/**
 * Samples padded and stacked for one {@code profile} run. For summaries ({@link #group}) every
 * sample of a run has the same padded length ({@link Summaries#paddedLength}), the run has the
 * configuration's {@code rows_per_run} rows and each sample sits in its own row ({@link
 * Summaries#row}), so the run's shape and a sample's place in it depend only on the sample. Rows
 * without a sample are filler: padding only, and their outputs are ignored.
 *
 * @param rowIds the sample in each row, {@code ""} for a filler row
 * @param tokens their tokens, right-padded
 */
public record ProfileBatch(List<String> rowIds, TokenBatch tokens) {

  public ProfileBatch {
    rowIds = List.copyOf(rowIds);
    if (rowIds.size() != tokens.size()) {
      throw new IllegalArgumentException(
          rowIds.size() + " row ids for a batch of " + tokens.size() + " rows");
    }
  }

  /** The samples, in row order (filler rows left out). */
  public List<String> sampleIds() {
    return rowIds.stream().filter(id -> !id.isEmpty()).toList();
  }

  /** Whether row {@code r} holds no sample. */
  public boolean filler(int r) {
    return rowIds.get(r).isEmpty();
  }

  /**
   * Groups samples by padded length and deals each group into runs of exactly {@code rows_per_run}
   * rows, every sample in its row ({@link Summaries#row}), keeping the given order among samples of
   * the same length and row. A run holds as many samples as the group's rows allow; the rest of it
   * is filler.
   *
   * @param padId the tokenizer's padding id
   */
  public static List<ProfileBatch> group(
      List<TokenizedSample> samples, SummaryConfig config, int padId) {
    Summaries.check(config);
    int rows = config.getRowsPerRun();
    Map<Integer, List<List<TokenizedSample>>> byLength = new LinkedHashMap<>();
    for (TokenizedSample s : samples) {
      int len;
      try {
        len = Summaries.paddedLength(s.length(), config);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("sample '" + s.id() + "': " + e.getMessage(), e);
      }
      List<List<TokenizedSample>> byRow =
          byLength.computeIfAbsent(
              len,
              k -> {
                List<List<TokenizedSample>> l = new ArrayList<>(rows);
                for (int r = 0; r < rows; r++) {
                  l.add(new ArrayList<>());
                }
                return l;
              });
      byRow.get(Summaries.row(s.id(), config)).add(s);
    }
    List<Integer> lengths = new ArrayList<>(byLength.keySet());
    lengths.sort(null);
    List<ProfileBatch> out = new ArrayList<>();
    for (int len : lengths) {
      List<List<TokenizedSample>> byRow = byLength.get(len);
      int runs = byRow.stream().mapToInt(List::size).max().orElse(0);
      for (int i = 0; i < runs; i++) {
        TokenizedSample[] run = new TokenizedSample[rows];
        for (int r = 0; r < rows; r++) {
          run[r] = i < byRow.get(r).size() ? byRow.get(r).get(i) : null;
        }
        out.add(stack(Arrays.asList(run), len, padId));
      }
    }
    return out;
  }

  /**
   * Stacks {@code samples} right-padded to {@code seqLen} tokens, one per row in the given order: a
   * batch for the model, not for summaries (which need {@link #group}'s rows).
   */
  public static ProfileBatch of(List<TokenizedSample> samples, int seqLen, int padId) {
    return stack(samples, seqLen, padId);
  }

  /** One row per entry; a null entry is a filler row (padding ids, mask 0). */
  private static ProfileBatch stack(List<TokenizedSample> samples, int seqLen, int padId) {
    int n = samples.size();
    int[] ids = new int[n * seqLen];
    int[] mask = new int[n * seqLen];
    int[] types = new int[n * seqLen];
    Arrays.fill(ids, padId);
    List<String> names = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      TokenizedSample s = samples.get(i);
      if (s == null) {
        names.add("");
        continue;
      }
      if (s.length() > seqLen) {
        throw new IllegalArgumentException(
            "sample '"
                + s.id()
                + "' has "
                + s.length()
                + " tokens, more than the batch's "
                + seqLen);
      }
      System.arraycopy(s.inputIds(), 0, ids, i * seqLen, s.length());
      System.arraycopy(s.tokenTypeIds(), 0, types, i * seqLen, s.length());
      Arrays.fill(mask, i * seqLen, i * seqLen + s.length(), 1);
      names.add(s.id());
    }
    return new ProfileBatch(names, new TokenBatch(n, seqLen, ids, mask, types));
  }
}
