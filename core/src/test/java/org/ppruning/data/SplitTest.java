package org.ppruning.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SplitTest {
  @Test
  void bucketIsTheFirstEightBytesOfSha256Modulo100() {
    // Computed with Python: int.from_bytes(hashlib.sha256(k.encode()).digest()[:8], "big") % 100
    assertEquals(65, Split.bucket("imdb-0"));
    assertEquals(69, Split.bucket("Gen.1"));
    assertEquals(52, Split.bucket(""));
    assertEquals(Split.TRAIN, Split.of("imdb-0"));
    assertEquals(Split.TRAIN, Split.of("Gen.1"));
  }

  @Test
  void aboutEightyTenTen() {
    int[] n = new int[3];
    for (int i = 0; i < 100_000; i++) {
      n[Split.of("key-" + i).ordinal()]++;
    }
    assertTrue(Math.abs(n[0] - 80_000) < 600, "train " + n[0]);
    assertTrue(Math.abs(n[1] - 10_000) < 400, "dev " + n[1]);
    assertTrue(Math.abs(n[2] - 10_000) < 400, "test " + n[2]);
  }

  @Test
  void addingDataNeverMovesASample() {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      keys.add("s" + i);
    }
    SplitData<String> before = SplitData.byKey(keys, k -> k);
    List<String> more = new ArrayList<>(keys);
    for (int i = 500; i < 1000; i++) {
      more.add(0, "s" + i);
    }
    SplitData<String> after = SplitData.byKey(more, k -> k);
    for (Split s : Split.values()) {
      assertTrue(after.get(s).containsAll(before.get(s)), s.id());
    }
    assertEquals(1000, after.all().size());
    assertEquals(
        after.train().size() + "/" + after.dev().size() + "/" + after.test().size(),
        after.toString());
  }

  @Test
  void parse() {
    assertEquals(Split.DEV, Split.parse("dev"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Split.parse("valid"));
    assertEquals("unknown split 'valid'; expected train, dev or test", e.getMessage());
  }
}
