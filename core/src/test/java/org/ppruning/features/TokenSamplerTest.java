package org.ppruning.features;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokenSamplerTest {
  @Test
  void hashesDependOnIdPositionAndSeedOnly() {
    assertEquals(TokenSampler.hash("imdb-3", 4, 7), TokenSampler.hash("imdb-3", 4, 7));
    Set<Long> seen = new HashSet<>();
    for (String id : new String[] {"a", "b", "imdb-3"}) {
      for (int p = 0; p < 50; p++) {
        for (long seed : new long[] {0, 1, 42}) {
          assertTrue(seen.add(TokenSampler.hash(id, p, seed)), id + " " + p + " " + seed);
        }
      }
    }
  }

  /** Bottom-k picks about k/n of the tokens of any large enough subset: the hash is uniform. */
  @Test
  void hashIsRoughlyUniform() {
    int below = 0;
    int n = 100_000;
    for (int i = 0; i < n; i++) {
      if (TokenSampler.hash("s" + i, i % 7, 9) < 0) { // top bit set: half of all values
        below++;
      }
    }
    assertEquals(0.5, below / (double) n, 0.01);
  }
}
