package org.ppruning.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.ppruning.stream.BatchPlanner.Batch;
import org.ppruning.stream.BatchPlanner.Committed;
import org.ppruning.stream.BatchPlanner.Plan;
import org.ppruning.stream.BatchPlanner.Polled;

/** The batch protocol on a scripted consumer: known answers for every rule of the plan. */
class BatchPlannerTest {
  static final long MS = 1_000_000L;

  /** A consumer as a script: positions, end offsets, commits and pauses are plain fields. */
  static final class FakeSource implements BatchPlanner.Source {
    final Map<Integer, Long> positions = new HashMap<>();
    final Map<Integer, Long> ends = new HashMap<>();
    final Map<Integer, Committed> commits = new HashMap<>();
    final Set<Integer> assignment = new TreeSet<>();
    final Set<Integer> paused = new TreeSet<>();
    final List<String> log = new ArrayList<>(); // commits and sends, in order

    @Override
    public long position(int partition) {
      return positions.getOrDefault(partition, 0L);
    }

    @Override
    public OptionalLong lag(int partition) {
      Long end = ends.get(partition);
      return end == null ? OptionalLong.empty() : OptionalLong.of(end - position(partition));
    }

    @Override
    public Map<Integer, Committed> committed(Set<Integer> partitions) {
      Map<Integer, Committed> out = new HashMap<>(commits);
      out.keySet().retainAll(partitions);
      return out;
    }

    @Override
    public Set<Integer> assignment() {
      return assignment;
    }

    @Override
    public void pause(Collection<Integer> partitions) {
      paused.addAll(partitions);
    }

    @Override
    public void resume(Collection<Integer> partitions) {
      paused.removeAll(partitions);
    }

    @Override
    public void commit(int partition, long offset, String metadata) {
      commits.put(partition, new Committed(offset, metadata));
      log.add("commit " + partition + "@" + offset + (metadata.isEmpty() ? "" : " " + metadata));
    }
  }

  /** Sends a batch as "send [start, end)" and records what was committed. */
  static class Recorder implements BatchPlanner.Worker<Batch> {
    final FakeSource source;
    final List<Batch> done = new ArrayList<>();

    Recorder(FakeSource source) {
      this.source = source;
    }

    @Override
    public boolean stopping() {
      return false;
    }

    @Override
    public Batch prepare(Batch batch) {
      return batch;
    }

    @Override
    public BatchPlanner.Acks publish(Batch b) {
      source.log.add("send " + b.partition() + " [" + b.start() + ", " + b.end() + ")");
      return () -> source.log.add("acks " + b.partition());
    }

    @Override
    public void committed(Batch batch, Batch prepared) {
      done.add(batch);
    }
  }

  final FakeSource source = new FakeSource();
  long now = 1_000 * MS;

  BatchPlanner planner(int batchSize, Duration linger) {
    return new BatchPlanner(batchSize, linger, source, () -> now);
  }

  /** Records [from, to) of {@code partition} arriving now; the position moves past them. */
  void fetch(BatchPlanner p, int partition, long from, long to) {
    for (long o = from; o < to; o++) {
      p.add(new Polled(partition, o, null, new byte[] {(byte) o}, 0, List.of(), now));
    }
    source.positions.put(partition, to);
  }

  static List<Long> offsets(Batch b) {
    return b.records().stream().map(Polled::offset).toList();
  }

  @Test
  void aBatchFormsAtBatchSizeAndNotBefore() {
    BatchPlanner p = planner(3, Duration.ofSeconds(10));
    fetch(p, 0, 0, 2);
    assertNull(p.next(0), "2 of 3 records and no linger: no batch");
    fetch(p, 0, 2, 5);
    Batch b = p.next(0);
    assertEquals(List.of(0L, 1L, 2L), offsets(b));
    assertEquals(0, b.start());
    assertEquals(3, b.end());
    assertFalse(b.replayed());
    assertNull(p.next(1), "a partition without records");
  }

  @Test
  void aPartialBatchFormsOnceTheLingerHasPassedSinceItsFirstRecord() {
    BatchPlanner p = planner(8, Duration.ofMillis(200));
    fetch(p, 0, 0, 2);
    now += 150 * MS;
    fetch(p, 0, 2, 3);
    assertNull(p.next(0), "150 ms after the first record");
    now += 50 * MS;
    assertEquals(List.of(0L, 1L, 2L), offsets(p.next(0)));
    assertEquals(now, p.next(0).formedNanos());
  }

  @Test
  void drainCommitsThePlanBeforeSendingAndTheEndAfterTheAcksCarryingTheNextPlan() throws Exception {
    BatchPlanner p = planner(2, Duration.ofSeconds(10));
    source.assignment.add(0);
    fetch(p, 0, 0, 5);
    Recorder w = new Recorder(source);
    p.drain(0, w);
    assertEquals(
        List.of(
            "commit 0@0 ppruning-profiler batch-end=2",
            "send 0 [0, 2)",
            "acks 0",
            "commit 0@2 ppruning-profiler batch-end=4",
            "send 0 [2, 4)",
            "acks 0",
            "commit 0@4"),
        source.log);
    assertEquals(2, w.done.size());
    assertEquals(1, p.pending(0), "record 4 waits for a full batch or the linger");
    source.ends.put(0, 9L); // 4 more records on the broker, not fetched
    assertEquals(4 + 1, p.lag(), "not fetched (4) plus fetched and not committed (record 4)");
  }

  @Test
  void aPlanFoundAtAssignmentReFormsExactlyThePlannedBatchWhateverTheBatchSize() throws Exception {
    source.commits.put(0, new Committed(10, BatchPlanner.plan(15)));
    source.commits.put(1, new Committed(7, "")); // committed, no batch in flight
    BatchPlanner p = planner(8, Duration.ZERO);
    Map<Integer, Plan> found = p.assigned(List.of(0, 1, 2));
    assertEquals(Map.of(0, new Plan(10, 15)), found);
    assertEquals(OptionalLong.of(15), p.planned(0));
    assertEquals(OptionalLong.empty(), p.planned(1));

    fetch(p, 0, 10, 13);
    assertNull(p.next(0), "the position (13) is below the planned end: wait, even with no linger");
    fetch(p, 0, 13, 30);
    Batch b = p.next(0);
    assertEquals(List.of(10L, 11L, 12L, 13L, 14L), offsets(b), "5 records, not 8");
    assertTrue(b.replayed());

    Recorder w = new Recorder(source);
    p.drain(0, w);
    assertEquals("send 0 [10, 15)", source.log.get(0), "no new plan commit before a replay");
    assertEquals("commit 0@15 ppruning-profiler batch-end=23", source.log.get(2));
    assertEquals(
        List.of(15L, 16L, 17L, 18L, 19L, 20L, 21L, 22L),
        offsets(w.done.get(1)),
        "after the planned batch, today's batch size");
    assertFalse(w.done.get(1).replayed());
    assertEquals(OptionalLong.empty(), p.planned(0));
  }

  @Test
  void aPlanWhoseRecordsRetentionDeletedIsDroppedAndTheNextBatchFormsNormally() {
    source.commits.put(0, new Committed(10, BatchPlanner.plan(15)));
    BatchPlanner p = planner(4, Duration.ofSeconds(10));
    p.assigned(List.of(0));
    fetch(p, 0, 40, 46); // the log now starts at 40: records 10..14 are gone
    Batch b = p.next(0);
    assertEquals(List.of(40L, 41L, 42L, 43L), offsets(b));
    assertFalse(b.replayed());
    assertEquals(OptionalLong.empty(), p.planned(0));
  }

  @Test
  void aPlanThatIsAlreadyCommittedIsNoPlan() {
    source.commits.put(0, new Committed(15, BatchPlanner.plan(15)));
    BatchPlanner p = planner(4, Duration.ZERO);
    assertEquals(Map.of(), p.assigned(List.of(0)));
  }

  @Test
  void recordsOfARevokedPartitionAreForgotten() {
    source.commits.put(0, new Committed(0, BatchPlanner.plan(3)));
    BatchPlanner p = planner(2, Duration.ZERO);
    p.assigned(List.of(0, 1));
    fetch(p, 0, 0, 3);
    fetch(p, 1, 0, 3);
    p.forget(List.of(0));
    assertEquals(0, p.pending(0));
    assertEquals(OptionalLong.empty(), p.planned(0));
    assertNull(p.next(0));
    assertEquals(3, p.pending(1), "another partition keeps its records");
  }

  @Test
  void aPartitionPausesAtFourBatchesOfBacklogAndResumesBelow() throws Exception {
    source.assignment.addAll(List.of(0, 1));
    BatchPlanner p = planner(2, Duration.ofSeconds(10));
    fetch(p, 0, 0, 7);
    fetch(p, 1, 0, 8);
    p.flowControl();
    assertEquals(Set.of(1), source.paused, "7 < 4 x 2 records: only partition 1 pauses");
    p.drain(1, new Recorder(source));
    assertEquals(0, p.pending(1));
    p.flowControl();
    assertEquals(Set.of(), source.paused, "drained: resumed");
  }

  @Test
  void aPartitionWithAPlanIsNeverPausedAndAnUnassignedOneIsNotTouched() {
    source.commits.put(0, new Committed(0, BatchPlanner.plan(20)));
    source.assignment.add(0);
    BatchPlanner p = planner(2, Duration.ZERO);
    p.assigned(List.of(0));
    fetch(p, 0, 0, 10);
    fetch(p, 3, 0, 10); // not in the assignment any more
    p.flowControl();
    assertEquals(Set.of(), source.paused);
  }

  @Test
  void aFailedSendCommitsNothingPastThePlan() {
    BatchPlanner p = planner(2, Duration.ZERO);
    fetch(p, 0, 0, 2);
    Recorder failing =
        new Recorder(source) {
          @Override
          public BatchPlanner.Acks publish(Batch b) {
            return () -> {
              throw new ExecutionException("broker gone", null);
            };
          }
        };
    assertThrows(ExecutionException.class, () -> p.drain(0, failing));
    assertEquals(List.of("commit 0@0 ppruning-profiler batch-end=2"), source.log);
    assertTrue(failing.done.isEmpty());
  }

  @Test
  void aStoppingWorkerFormsNoBatch() throws Exception {
    BatchPlanner p = planner(1, Duration.ZERO);
    fetch(p, 0, 0, 3);
    Recorder stopping =
        new Recorder(source) {
          @Override
          public boolean stopping() {
            return true;
          }
        };
    p.drainAll(stopping);
    assertEquals(List.of(), source.log);
  }

  @Test
  void aBatchSizeBelowOneOrANegativeLingerIsRefusedNamingTheSetting() {
    assertEquals(
        "batch-size must be > 0 (got -1) and linger >= 0 (got PT-5S)",
        assertThrows(IllegalArgumentException.class, () -> planner(-1, Duration.ofSeconds(-5)))
            .getMessage());
  }
}
