package org.ppruning.profiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bad loop settings are refused up front, naming the setting. */
class SampleLoopSettingsTest {
  static SampleLoopSettings settings(int batchSize, Duration linger) {
    return new SampleLoopSettings("s", "s.dlq", "s.summaries", batchSize, linger, 1 << 20);
  }

  @Test
  void aBatchSizeBelowOneOrANegativeLingerIsRefused() {
    var e = assertThrows(IllegalArgumentException.class, () -> settings(0, Duration.ZERO));
    assertTrue(e.getMessage().contains("batch-size must be > 0 (got 0)"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> settings(8, Duration.ofMillis(-1)));
    assertTrue(e.getMessage().contains("linger >= 0 (got PT-0.001S)"), e.getMessage());
    assertEquals(256, settings(256, Duration.ofMillis(200)).batchSize());
  }

  @Test
  void theDeadLetterLimitIsTheEffectiveMaxRequestSizeAndATinyOneIsRefused() {
    SampleLoopSettings s = settings(8, Duration.ZERO);
    assertEquals(1 << 20, s.maxRequestBytes(Map.of()));
    assertEquals(600_000, s.maxRequestBytes(Map.of("max.request.size", " 600000")));
    assertEquals(300_000, s.maxRequestBytes(Map.of("max.request.size", 300_000)));
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> s.maxRequestBytes(Map.of("max.request.size", "1000")));
    assertEquals(
        "producer max.request.size is 1000 bytes; a dead letter needs at least 16384",
        e.getMessage());
  }
}
