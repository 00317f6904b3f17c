package org.ppruning.summary;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ppruning.graph.TokenBatch;
import org.ppruning.summary.proto.SummaryConfig;

/**
 * Samples padded and stacked for one {@code profile} run: every sample of a batch has the same
 * padded length ({@link Summaries#paddedLength}), so the batch's shape depends only on its
 * samples' own lengths.
 *
 * @param sampleIds the samples, one per row
 * @param tokens    their tokens, right-padded
 */
public record ProfileBatch(List<String> sampleIds, TokenBatch tokens) {

  public ProfileBatch {
    sampleIds = List.copyOf(sampleIds);
    if (sampleIds.size() != tokens.size()) {
      throw new IllegalArgumentException(sampleIds.size() + " sample ids for a batch of "
          + tokens.size() + " rows");
    }
  }

  /**
   * Groups samples by padded length and cuts each group into batches of at most
   * {@code batchSize}, keeping the given order within a group.
   *
   * @param padId the tokenizer's padding id
   */
  public static List<ProfileBatch> group(List<TokenizedSample> samples, SummaryConfig config,
      int batchSize, int padId) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch size must be > 0, got " + batchSize);
    }
    Map<Integer, List<TokenizedSample>> byLength = new LinkedHashMap<>();
    for (TokenizedSample s : samples) {
      int len;
      try {
        len = Summaries.paddedLength(s.length(), config);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("sample '" + s.id() + "': " + e.getMessage(), e);
      }
      byLength.computeIfAbsent(len, k -> new ArrayList<>()).add(s);
    }
    List<Integer> lengths = new ArrayList<>(byLength.keySet());
    lengths.sort(null);
    List<ProfileBatch> out = new ArrayList<>();
    for (int len : lengths) {
      List<TokenizedSample> g = byLength.get(len);
      for (int from = 0; from < g.size(); from += batchSize) {
        out.add(of(g.subList(from, Math.min(g.size(), from + batchSize)), len, padId));
      }
    }
    return out;
  }

  /** Stacks {@code samples} right-padded to {@code seqLen} tokens. */
  public static ProfileBatch of(List<TokenizedSample> samples, int seqLen, int padId) {
    int n = samples.size();
    int[] ids = new int[n * seqLen];
    int[] mask = new int[n * seqLen];
    int[] types = new int[n * seqLen];
    Arrays.fill(ids, padId);
    List<String> names = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      TokenizedSample s = samples.get(i);
      if (s.length() > seqLen) {
        throw new IllegalArgumentException("sample '" + s.id() + "' has " + s.length()
            + " tokens, more than the batch's " + seqLen);
      }
      System.arraycopy(s.inputIds(), 0, ids, i * seqLen, s.length());
      System.arraycopy(s.tokenTypeIds(), 0, types, i * seqLen, s.length());
      Arrays.fill(mask, i * seqLen, i * seqLen + s.length(), 1);
      names.add(s.id());
    }
    return new ProfileBatch(names, new TokenBatch(n, seqLen, ids, mask, types));
  }
}
