package org.ppruning.features;

import java.nio.charset.StandardCharsets;

/**
 * Chooses the tokens whose activations become unit features by bottom-k sampling: every non-padding
 * token gets a 64-bit hash of (sample id, token position, seed) and the k smallest hashes win.
 * Unlike the reference code's {@code random.sample} over pooled tokens, the result does not depend
 * on batching or arrival order, merges exactly across partial summaries, and ignores a redelivered
 * sample, so the batch command and the streaming pruner choose the same tokens.
 */
public final class TokenSampler {
  private TokenSampler() {}

  /** Hash of one token; uniform over 64 bits (FNV-1a of the id, then SplitMix64 mixing). */
  public static long hash(String sampleId, int position, long seed) {
    long h = 0xcbf29ce484222325L;
    for (byte b : sampleId.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h = mix(h ^ mix(seed));
    return mix(h + 0x9e3779b97f4a7c15L * (position + 1L));
  }

  /** Orders tokens by hash, unsigned; ties (astronomically rare) by id, then position. */
  public static int compare(long hashA, String idA, int posA, long hashB, String idB, int posB) {
    int c = Long.compareUnsigned(hashA, hashB);
    if (c != 0) {
      return c;
    }
    c = idA.compareTo(idB);
    return c != 0 ? c : Integer.compare(posA, posB);
  }

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
