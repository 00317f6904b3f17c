package org.ppruning.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CheckpointScheduleTest {
  final AtomicLong now = new AtomicLong(1_000);
  final CheckpointSchedule s = new CheckpointSchedule(3, Duration.ofSeconds(30), now::get);

  @Test
  void dueAfterEveryRecordsThenCountsAgain() {
    s.recorded();
    s.recorded();
    assertFalse(s.due(), "2 of 3 records");
    s.recorded();
    assertTrue(s.due());
    s.saved();
    assertEquals(0, s.unsaved());
    assertFalse(s.due());
  }

  @Test
  void dueAfterTheIntervalOnlyWithUnsavedRecords() {
    now.addAndGet(Duration.ofMinutes(5).toNanos());
    assertFalse(s.due(), "an idle stream writes nothing");
    s.recorded();
    assertTrue(s.due(), "one record, interval passed");
    s.saved();
    s.recorded();
    now.addAndGet(Duration.ofSeconds(29).toNanos());
    assertFalse(s.due(), "29 s after the save");
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    assertTrue(s.due());
  }

  @Test
  void refusesSettingsThatNeverSave() {
    var n =
        assertThrows(
            IllegalArgumentException.class,
            () -> new CheckpointSchedule(0, Duration.ofSeconds(1), now::get));
    assertEquals("checkpoint every-summaries must be >= 1, got 0", n.getMessage());
    var t =
        assertThrows(
            IllegalArgumentException.class,
            () -> new CheckpointSchedule(1, Duration.ZERO, now::get));
    assertEquals("checkpoint interval must be > 0, got PT0S", t.getMessage());
  }
}
