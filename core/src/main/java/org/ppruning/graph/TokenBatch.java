package org.ppruning.graph;

import java.util.Arrays;

/**
 * A right-padded batch of token sequences, row-major [size, seqLen].
 *
 * @param size number of sequences
 * @param seqLen padded length (the longest sequence)
 * @param inputIds token ids
 * @param attentionMask 1 for real tokens, 0 for padding
 * @param tokenTypeIds segment ids (all 0 for single sentences and for gpt2)
 */
public record TokenBatch(
    int size, int seqLen, int[] inputIds, int[] attentionMask, int[] tokenTypeIds) {

  public TokenBatch {
    int n = size * seqLen;
    if (size <= 0 || seqLen <= 0) {
      throw new IllegalArgumentException("empty batch: " + size + " x " + seqLen);
    }
    if (inputIds.length != n || attentionMask.length != n || tokenTypeIds.length != n) {
      throw new IllegalArgumentException(
          "batch "
              + size
              + " x "
              + seqLen
              + " needs "
              + n
              + " values per input, got ids "
              + inputIds.length
              + ", mask "
              + attentionMask.length
              + ", types "
              + tokenTypeIds.length);
    }
  }

  /** The same batch right-padded (with id {@code padId}, mask 0) to {@code len} tokens. */
  public TokenBatch padTo(int len, int padId) {
    if (len < seqLen) {
      throw new IllegalArgumentException("cannot pad a batch of length " + seqLen + " to " + len);
    }
    int[] ids = new int[size * len];
    int[] mask = new int[size * len];
    int[] types = new int[size * len];
    java.util.Arrays.fill(ids, padId);
    for (int b = 0; b < size; b++) {
      System.arraycopy(inputIds, b * seqLen, ids, b * len, seqLen);
      System.arraycopy(attentionMask, b * seqLen, mask, b * len, seqLen);
      System.arraycopy(tokenTypeIds, b * seqLen, types, b * len, seqLen);
    }
    return new TokenBatch(size, len, ids, mask, types);
  }

  /** Real (unpadded) tokens of row {@code i}. */
  public int length(int i) {
    int len = 0;
    for (int j = 0; j < seqLen; j++) {
      len += attentionMask[i * seqLen + j];
    }
    return len;
  }

  /** Token ids of row {@code i} without padding. */
  public int[] ids(int i) {
    return Arrays.copyOfRange(inputIds, i * seqLen, i * seqLen + length(i));
  }

  /** Number of non-padding tokens. */
  public int tokenCount() {
    return Arrays.stream(attentionMask).sum();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TokenBatch b
        && size == b.size
        && seqLen == b.seqLen
        && Arrays.equals(inputIds, b.inputIds)
        && Arrays.equals(attentionMask, b.attentionMask)
        && Arrays.equals(tokenTypeIds, b.tokenTypeIds);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(inputIds);
  }

  @Override
  public String toString() {
    return "TokenBatch[" + size + " x " + seqLen + "]";
  }
}
