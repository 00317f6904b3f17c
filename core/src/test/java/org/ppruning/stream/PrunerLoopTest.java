package org.ppruning.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ppruning.stream.PrunerEngineTest.TASK;
import static org.ppruning.stream.PrunerEngineTest.records;
import static org.ppruning.stream.RepositoryAssertions.assertSameVersions;
import static org.ppruning.stream.RepositoryAssertions.versions;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.stream.PrunerCheckpoint.Partition;
import org.ppruning.stream.PrunerLoop.Input;

/**
 * The pruner's poll loop on the engine test's tiny BERT and summaries, against a fake transport
 * that delivers nothing while paused (as a paused Kafka consumer).
 */
class PrunerLoopTest {
  @TempDir static Path shared;
  @TempDir Path tmp;
  static final Partition P0 = PrunerEngineTest.P0;
  static final Partition P1 = new Partition(Topics.SUMMARIES, 1);
  final ExecutorService pruning = Executors.newSingleThreadExecutor();
  final Seen seen = new Seen();

  @BeforeAll
  static void setUp() throws Exception {
    PrunerEngineTest.shared = shared;
    PrunerEngineTest.setUp();
  }

  @AfterAll
  static void tearDown() {
    PrunerEngineTest.tearDown();
  }

  @AfterEach
  void stop() {
    pruning.shutdownNow();
  }

  /** Records what the transport was asked to do. */
  static final class Fake implements PrunerLoop.Transport {
    final List<String> calls = new ArrayList<>();
    final List<ModelEvent> published = new ArrayList<>();
    final List<Map<Partition, Long>> commits = new ArrayList<>();
    boolean paused;
    int failPublishes;

    @Override
    public void pause() {
      calls.add("pause");
      paused = true;
    }

    @Override
    public void resume() {
      calls.add("resume");
      paused = false;
    }

    @Override
    public void publish(String task, byte[] event) throws IOException {
      if (failPublishes-- > 0) {
        throw new IOException("broker down");
      }
      ModelEvent e = ModelEvent.fromJson(event);
      assertEquals(task, e.task(), "the key is the event's task");
      published.add(e);
      calls.add("publish " + e.version());
    }

    @Override
    public void commit(Map<Partition, Long> next) {
      commits.add(next);
      calls.add("commit");
    }
  }

  /** What the loop reported. */
  static final class Seen implements PrunerLoop.Observer {
    final List<PrunerEngine.Outcome> merged = new ArrayList<>();
    final List<String> rejected = new ArrayList<>();
    final List<PrunerEngine.Pruned> pruned = new ArrayList<>();

    @Override
    public void merged(PrunerEngine.Accepted a, Partition from, long offset) {
      merged.add(a.outcome());
    }

    @Override
    public void rejected(String reason, String detail) {
      rejected.add(reason + ": " + detail);
    }

    @Override
    public void pruned(PrunerEngine.Pruned p) {
      pruned.add(p);
    }

    @Override
    public void pruneFailed(Throwable cause) {
      throw new AssertionError("re-clustering failed", cause);
    }
  }

  PrunerLoop loop(Path root, long min, long every, int checkpointEvery) {
    PrunerEngine e = new PrunerEngineTest().engine(root, min, every, 0);
    return new PrunerLoop(
        e,
        root.resolve("checkpoint.bin"),
        new CheckpointSchedule(checkpointEvery, Duration.ofHours(1), System::nanoTime),
        pruning,
        seen);
  }

  static Input input(int i, Partition p, long offset) {
    return new Input(TASK, records.get(i).toByteArray(), p, offset);
  }

  /** Polls of up to {@code poll} records from P0 (none while paused) until all are in. */
  static void feed(PrunerLoop l, Fake t, int poll) throws Exception {
    int next = Math.toIntExact(l.positions().getOrDefault(P0, 0L));
    while (next < records.size() || l.busy()) {
      List<Input> got = new ArrayList<>();
      for (; !t.paused && got.size() < poll && next < records.size(); next++) {
        got.add(input(next, P0, next));
      }
      l.received(got);
      l.step(t);
      Thread.sleep(got.isEmpty() ? 5 : 0);
    }
  }

  @Test
  void anyPollSizeGivesTheEnginesVersionsOneJobAtATimeEachPublished() throws Exception {
    PrunerEngine direct = new PrunerEngineTest().engine(tmp.resolve("direct"), 20, 10, 0);
    PrunerEngineTest.drive(direct, 0, records.size());
    var want = versions(tmp.resolve("direct"), TASK);
    assertTrue(want.size() >= 2, "versions: " + want.size());
    for (int poll : new int[] {1, 7, 50}) {
      Path root = tmp.resolve("poll-" + poll);
      PrunerLoop l = loop(root, 20, 10, 1_000);
      Fake t = new Fake();
      seen.pruned.clear();
      feed(l, t, poll);
      l.finish(t);
      assertSameVersions(want, versions(root, TASK));
      assertEquals(want.size(), t.published.size(), "polls of " + poll);
      for (int v = 0; v < t.published.size(); v++) {
        assertEquals(v + 1, t.published.get(v).version());
      }
      // pause, [publish], commit (the checkpoint after the job), resume: never two jobs at once.
      List<String> jobs = t.calls.stream().filter(c -> !c.equals("commit")).toList();
      for (int i = 0, v = 1; i < jobs.size(); i++) {
        assertEquals("pause", jobs.get(i), "polls of " + poll + ": " + t.calls);
        if (jobs.get(i + 1).startsWith("publish")) {
          assertEquals("publish " + v++, jobs.get(++i));
        }
        assertEquals("resume", jobs.get(++i));
      }
      assertEquals(seen.pruned.size(), jobs.stream().filter("pause"::equals).count());
      PrunerCheckpoint c = PrunerCheckpoint.read(root.resolve("checkpoint.bin"));
      assertEquals((long) records.size(), c.offsets().get(P0));
      assertEquals(want.size(), c.tasks().get(TASK).published());
      assertEquals(Map.of(P0, (long) records.size()), t.commits.get(t.commits.size() - 1));
    }
  }

  @Test
  void anEventThatCannotBeSentIsSentAfterTheRestartAndTheInputStaysPausedUntilThen()
      throws Exception {
    Path root = tmp.resolve("repo");
    PrunerLoop l = loop(root, PrunerEngineTest.samples.size(), 1_000, 1_000); // at the end
    Fake t = new Fake();
    t.failPublishes = 1;
    var e = assertThrows(IOException.class, () -> feed(l, t, 7));
    assertEquals("broker down", e.getMessage());
    assertTrue(l.busy() && t.paused, "the version waits to be published");
    assertFalse(t.calls.contains("resume"));

    l.restarted();
    Fake again = new Fake();
    if (l.busy()) { // what the adapter does on assignment
      again.pause();
    }
    assertEquals((long) records.size(), l.positions().get(P0), "everything was merged");
    l.step(again);
    assertEquals(List.of("pause", "publish 1", "commit", "resume"), again.calls);
    assertFalse(l.busy());
    assertEquals(
        1, PrunerCheckpoint.read(root.resolve("checkpoint.bin")).tasks().get(TASK).published());
    assertEquals(1, seen.pruned.size(), "re-clustered once");
  }

  @Test
  void unreadableAndRejectedRecordsAreReportedAndNotReadAgain() throws Exception {
    PrunerLoop l = loop(tmp.resolve("repo"), 1_000, 1_000, 1_000);
    l.received(
        List.of(
            new Input(TASK, new byte[] {1, 2, 3}, P0, 0),
            new Input("other", records.get(0).toByteArray(), P0, 1),
            input(0, P0, 2)));
    l.step(new Fake());
    assertEquals(2, seen.rejected.size(), seen.rejected.toString());
    assertTrue(
        seen.rejected.get(0).startsWith("unreadable: " + P0 + "@0 is not an ActivationSummary: "),
        seen.rejected.get(0));
    assertEquals(
        "key: " + P0 + "@1: record key 'other' is not the summary's task '" + TASK + "'",
        seen.rejected.get(1));
    assertEquals(
        List.of(PrunerEngine.Outcome.REJECTED, PrunerEngine.Outcome.COUNTED),
        seen.merged.subList(0, 2));
    assertEquals(3L, l.positions().get(P0));
  }

  @Test
  void checkpointsOnScheduleOnRevocationAndWhenStoppedBetweenRestarts() throws Exception {
    Path root = tmp.resolve("repo");
    Path file = root.resolve("checkpoint.bin");
    PrunerLoop l = loop(root, 1_000, 1_000, 5);
    Fake t = new Fake();
    List<Input> first = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      first.add(input(i, P0, i));
    }
    l.received(first);
    l.step(t);
    assertTrue(t.commits.isEmpty(), "4 of 5 records");
    l.received(List.of(input(4, P0, 4), input(5, P0, 5)));
    l.step(t);
    assertEquals(List.of(Map.of(P0, 6L)), t.commits);
    assertEquals(6L, PrunerCheckpoint.read(file).offsets().get(P0));

    // P0 is revoked with two records read but not merged: its next reader reads them again.
    l.received(List.of(input(6, P0, 6), input(7, P0, 7), input(8, P1, 0)));
    l.revoked(List.of(P0), t);
    assertEquals(2, t.commits.size(), "saved on revocation");
    l.step(t);
    assertEquals(Map.of(P0, 6L, P1, 1L), l.positions());

    // Stopped while the transport is down: the file still gets the merged record.
    l.saveIfIdle();
    assertEquals(Map.of(P0, 6L, P1, 1L), PrunerCheckpoint.read(file).offsets());
  }
}
