package org.ppruning.system;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ppruning.system.SystemFixtures.TASK;
import static org.ppruning.system.SystemFixtures.TASK_LABEL;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ppruning.data.Sample;
import org.ppruning.data.Tasks;
import org.ppruning.demo.ModelEventWatcher;
import org.ppruning.demo.SampleProducer;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.local.Service;
import org.ppruning.model.LayerSpec;
import org.ppruning.stream.KeptUnits;
import org.ppruning.stream.ModelEvent;
import org.ppruning.stream.ModelRepository;

/**
 * Issue 4 end to end over a real broker: the 3,000 real sentiment sentences go into
 * ppruning.samples, through the profiler and pruner processes, and the first pruned version keeps
 * exactly the units of the batch path on the same samples with the same seed and settings. Then
 * 1,000 more sentences (the grammar task's, under the sentiment key, new ids): the pruner
 * re-clusters at 4,000 and writes version 2 exactly when the selection moved by more than
 * min-change (5%) from version 1, with the batch path's units on all 4,000; version 1 is untouched.
 */
@Tag("system")
class StreamingIT {

  @Test
  void streamedVersionsEqualTheBatchPathAndAreWrittenOnlyOnChange() throws Exception {
    ArtifactCache cache = ArtifactCache.fromEnvironment(System.getenv(), System.getProperties());
    List<Sample> first = Tasks.allSamples(TASK, cache, System.err);
    assertEquals(3000, first.size());
    List<Sample> more =
        SystemFixtures.renamed(
            Tasks.samples("grammar", cache, System.err).subList(0, 1000), "grammar:");
    List<Sample> all = new ArrayList<>(first);
    all.addAll(more);
    // Computed first, so that the services are not slowed down by it while the benchmark runs.
    List<LayerSpec> batch3000 = SystemFixtures.batchKept(first);
    List<LayerSpec> batch4000 = SystemFixtures.batchKept(all);

    // Pruner defaults: MiniLM, 50% FLOPs, min-samples 3000, every-samples 1000, min-change 0.05.
    // The finetuner's training is off: this test is about profiler and pruner, and a fine-tune
    // of version 1 would take the 2 cores from them.
    try (LocalSystem sys = LocalSystem.start(null, List.of(SystemFixtures.NO_TRAINING));
        ModelEventWatcher events = new ModelEventWatcher(sys.bootstrap());
        SampleProducer producer = new SampleProducer(sys.bootstrap())) {
      producer.ensureTopic();
      producer.send(TASK, first, n -> {});
      long lastAcked = System.nanoTime();
      ModelEvent v1 =
          SystemFixtures.awaitEvent(
              events, "first pruned version", ModelEvent.PRUNED, Duration.ofMinutes(20));
      double latency = (System.nanoTime() - lastAcked) / 1e9;
      System.err.printf(
          "StreamingIT: last of 3,000 samples acknowledged -> model event: %.1f s%n", latency);
      assertEquals(1, v1.version());
      assertEquals(3000, v1.samples());
      Path v1dir = SystemFixtures.folder(v1.path());
      assertEquals(
          sys.runtime()
              .workDir(Service.PRUNER)
              .toRealPath()
              .resolve("models")
              .resolve(TASK)
              .resolve("1"),
          v1dir.toRealPath(),
          "version 1 in the pruner's repository");
      List<LayerSpec> streamed =
          SystemFixtures.versionKept(v1dir); // the folder loads as a SavedModel
      SystemFixtures.assertSameUnits(batch3000, streamed, "streamed version 1 vs batch on 3,000");
      byte[] v1Graph = Files.readAllBytes(v1dir.resolve("saved_model.pb"));
      FileTime v1Time = Files.getLastModifiedTime(v1dir.resolve("variables/variables.index"));

      producer.send(TASK, more, n -> {});
      SystemFixtures.awaitMetric(
          sys,
          Service.PRUNER,
          "ppruning_pruner_samples",
          TASK_LABEL,
          v -> v >= 4000,
          Duration.ofMinutes(15));
      SystemFixtures.awaitMetric(
          sys,
          Service.PRUNER,
          "ppruning_pruner_recluster_seconds_count",
          TASK_LABEL,
          v -> v >= 2,
          Duration.ofMinutes(5));
      double change = KeptUnits.change(streamed, batch4000);
      System.err.printf(
          "StreamingIT: change of the selection from 3,000 to 4,000 samples: %.4f%n", change);
      ModelRepository repo = new ModelRepository(v1dir.getParent().getParent());
      List<ModelEvent> pruned = awaitQuiet(events);
      if (change > 0.05) {
        assertEquals(2, pruned.size(), "a version per change over min-change: " + pruned);
        ModelEvent v2 = pruned.get(1);
        assertEquals(2, v2.version());
        assertEquals(4000, v2.samples());
        assertTrue(v2.reason().startsWith("selection changed"), v2.reason());
        SystemFixtures.assertSameUnits(
            batch4000,
            SystemFixtures.versionKept(SystemFixtures.folder(v2.path())),
            "streamed version 2 vs batch on 4,000");
        assertEquals(List.of(1L, 2L), repo.versions(TASK));
      } else {
        assertEquals(
            1, pruned.size(), "no version when the change is within min-change: " + pruned);
        assertEquals(List.of(1L), repo.versions(TASK));
      }
      assertArrayEquals(
          v1Graph, Files.readAllBytes(v1dir.resolve("saved_model.pb")), "version 1 overwritten");
      assertEquals(v1Time, Files.getLastModifiedTime(v1dir.resolve("variables/variables.index")));
    }
  }

  /** The pruned events of the task once none arrived for 10 s. */
  static List<ModelEvent> awaitQuiet(ModelEventWatcher events) throws InterruptedException {
    long quietSince = System.nanoTime();
    while (System.nanoTime() - quietSince < 10_000_000_000L) {
      if (!events.poll(Duration.ofSeconds(1), e -> {}).isEmpty()) {
        quietSince = System.nanoTime();
      }
    }
    return events.seen().stream()
        .filter(e -> e.stage().equals(ModelEvent.PRUNED) && e.task().equals(TASK))
        .toList();
  }
}
