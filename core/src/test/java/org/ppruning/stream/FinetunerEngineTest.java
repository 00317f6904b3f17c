package org.ppruning.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.data.Sample;
import org.ppruning.data.SplitData;
import org.ppruning.data.TaskData;
import org.ppruning.data.Tasks;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TinyModels;
import org.ppruning.serve.SwapResult;
import org.ppruning.train.Trainer;

/**
 * The finetuner's engine on a tiny random bert and a tiny labelled sentiment set: one job writes
 * the next version with its parent, test metrics and a finetuned event; the same parent again
 * trains nothing; events that are not pruned versions make no job.
 */
class FinetunerEngineTest {
  @TempDir Path tmp;

  /** Label 1 when the text starts with w0, else 0: 24 train, 8 dev, 8 test rows. */
  static TaskData tinySentiment() {
    Random r = new Random(3);
    List<List<Sample>> splits = new ArrayList<>();
    for (int n : new int[] {24, 8, 8}) {
      List<Sample> s = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        boolean pos = i % 2 == 0;
        s.add(
            new Sample(
                splits.size() + "-" + i,
                (pos ? "w0 " : "w1 ") + TinyModels.words(r, 4),
                null,
                pos ? "1" : "0"));
      }
      splits.add(s);
    }
    return new TaskData(
        Tasks.task("sentiment"),
        new SplitData<>(splits.get(0), splits.get(1), splits.get(2)),
        null,
        null);
  }

  /** A pruned version 1 of sentiment: a tiny bert with its tokenizer, and its event. */
  ModelEvent prunedVersion(ModelRepository pruned) throws Exception {
    TinyModels.tokenizer(tmp);
    ModelSpec spec = TinyModels.bertSpec(1, 16, 4, 32);
    Path v1 =
        pruned.write(
            "sentiment",
            1,
            dir -> {
              try (TransformerModel m =
                  TransformerModel.build(
                      spec, TinyModels.randomWeights(spec, 7), tmp.resolve("tokenizer.json"))) {
                m.export(dir, false);
              }
            });
    return new ModelEvent(
        ModelEvent.PRUNED,
        "sentiment",
        1,
        v1.toUri().toString(),
        "tiny-random-bert",
        List.of(new ModelEvent.Width(4, 32)),
        0.5,
        0.8,
        100,
        "test",
        null,
        Instant.now().toString());
  }

  FinetunerEngine engine(ModelRepository serving, List<Map<String, Double>> offered) {
    return new FinetunerEngine(
        serving,
        new FinetunerEngine.Settings(null, Trainer.Config.defaults(1, 1e-3f, 8, 16, 42)),
        name -> tinySentiment(),
        () -> null,
        (task, version, dir, metrics) -> {
          offered.add(metrics);
          return new SwapResult(task, version, dir, true, 0, "swapped in", 1, 1);
        },
        new VersionCheck(tmp.resolve("pruned"), VersionCheck.SAVED_MODEL));
  }

  @Test
  void forgedPrunedEventsAreRefusedWithTheReasonAndNeverBecomeJobs() throws Exception {
    ModelEvent real = prunedVersion(new ModelRepository(tmp.resolve("pruned")));
    FinetunerEngine engine = engine(new ModelRepository(tmp.resolve("serving")), List.of());
    // A valid model, but outside the pruner's repository.
    ModelRepository other = new ModelRepository(tmp.resolve("elsewhere"));
    Path outside = VersionCheckTest.tinyVersion(other, "sentiment", 1);
    // An empty version folder inside it.
    Path empty = Files.createDirectories(tmp.resolve("pruned").resolve("sentiment").resolve("999"));

    FinetunerEngine.Accepted out = engine.accept(forged(real, 1, outside).toJson());
    FinetunerEngine.Accepted missing =
        engine.accept(forged(real, 2, tmp.resolve("pruned/sentiment/2")).toJson());
    FinetunerEngine.Accepted invalid = engine.accept(forged(real, 999, empty).toJson());

    assertEquals(FinetunerEngine.Outcome.REFUSED, out.outcome());
    assertEquals("outside_repository", out.label());
    assertEquals(
        "pruned event of sentiment version 1: path "
            + outside
            + " is outside the repository "
            + tmp.resolve("pruned").toAbsolutePath().normalize(),
        out.reason());
    assertEquals(FinetunerEngine.Outcome.REFUSED, missing.outcome());
    assertEquals("missing", missing.label());
    assertEquals(FinetunerEngine.Outcome.REFUSED, invalid.outcome());
    assertEquals("invalid_spec", invalid.label());
    assertTrue(invalid.reason().contains("holds no valid model"), invalid.reason());
    assertEquals(FinetunerEngine.Outcome.JOB, engine.accept(real.toJson()).outcome());
  }

  static ModelEvent forged(ModelEvent real, long version, Path dir) {
    return new ModelEvent(
        real.stage(),
        real.task(),
        version,
        dir.toUri().toString(),
        real.parent(),
        real.layers(),
        real.flopsKept(),
        real.paramsKept(),
        real.samples(),
        "forged",
        null,
        real.createdAt());
  }

  @Test
  void aPrunedVersionIsFineTunedOnceAndTheEventNamesParentVersionAndMetrics() throws Exception {
    ModelRepository serving = new ModelRepository(tmp.resolve("serving"));
    ModelEvent pruned = prunedVersion(new ModelRepository(tmp.resolve("pruned")));
    List<Map<String, Double>> offered = new ArrayList<>();
    FinetunerEngine engine = engine(serving, offered);

    FinetunerEngine.Accepted a = engine.accept(pruned.toJson());
    assertEquals(FinetunerEngine.Outcome.JOB, a.outcome());
    FinetunerEngine.Trained t = engine.train(a.event());

    ModelEvent e = t.event();
    assertNull(t.skipped());
    assertEquals(ModelEvent.FINETUNED, e.stage());
    assertEquals("sentiment", e.task());
    assertEquals(1, e.version());
    assertEquals(pruned.path(), e.parent());
    assertEquals(pruned.layers(), e.layers());
    assertEquals(24, e.samples(), "train rows");
    assertEquals(serving.path("sentiment", 1).toUri().toString(), e.path());
    assertNotNull(e.metrics().get("test_accuracy"), e.metrics().toString());
    assertNotNull(e.metrics().get("dev_accuracy"), e.metrics().toString());
    assertTrue(
        e.reason().startsWith("fine-tuned pruned version 1 on sentiment (best epoch 1)"),
        e.reason());
    assertTrue(e.reason().endsWith("serving it"), e.reason());
    assertEquals(1, offered.size());
    offered.get(0).forEach((k, v) -> assertEquals(v, e.metrics().get("test_" + k), k));
    assertEquals(
        offered.get(0).size() + 1, e.metrics().size(), "test_* and the dev metric: " + e.metrics());
    assertEquals(
        pruned.path(),
        Files.readString(
                serving
                    .path("sentiment", 1)
                    .resolve("assets")
                    .resolve(FinetunerEngine.PARENT_ASSET))
            .strip());
    try (TransformerModel m = TransformerModel.load(serving.path("sentiment", 1))) {
      assertEquals("sentiment", m.spec().head().task());
    }

    // The same parent again (a redelivered event): skipped, nothing written or offered.
    FinetunerEngine.Trained again = engine.train(engine.accept(pruned.toJson()).event());
    assertNull(again.event());
    assertEquals(
        pruned.path() + " was already fine-tuned as version 1; not training it again",
        again.skipped());
    assertEquals(List.of(1L), serving.versions("sentiment"));
    assertEquals(1, offered.size());
  }

  @Test
  void trainRowsLimitsTheRowsTrainedOnAndZeroIsRefused() throws Exception {
    ModelEvent pruned = prunedVersion(new ModelRepository(tmp.resolve("pruned")));
    FinetunerEngine engine =
        new FinetunerEngine(
            new ModelRepository(tmp.resolve("serving")),
            new FinetunerEngine.Settings(null, Trainer.Config.defaults(1, 1e-3f, 8, 16, 42), 10),
            name -> tinySentiment(),
            () -> null,
            (task, version, dir, metrics) ->
                new SwapResult(task, version, dir, true, 0, "swapped in", 1, 1),
            new VersionCheck(tmp.resolve("pruned"), VersionCheck.SAVED_MODEL));
    ModelEvent e = engine.train(engine.accept(pruned.toJson()).event()).event();
    assertEquals(10, e.samples(), "train rows (24 in the split)");
    IllegalArgumentException bad =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new FinetunerEngine.Settings(
                    null, Trainer.Config.defaults(1, 1e-3f, 8, 16, 42), 0));
    assertEquals("train rows must be >= 1 (or unset: all), got 0", bad.getMessage());
  }

  @Test
  void aFinetunedEventIsIgnored() {
    FinetunerEngine engine = engine(new ModelRepository(tmp.resolve("serving")), List.of());
    ModelEvent own =
        new ModelEvent(
            ModelEvent.FINETUNED,
            "sentiment",
            3,
            "file:/x/3",
            "file:/p/1",
            List.of(),
            1,
            1,
            10,
            "fine-tuned",
            Map.of("test_accuracy", 0.9),
            "now");

    FinetunerEngine.Accepted a = engine.accept(own.toJson());

    assertEquals(FinetunerEngine.Outcome.IGNORED, a.outcome());
    assertNull(a.event());
    assertEquals(
        "finetuned event of sentiment version 3: only pruned versions are fine-tuned", a.reason());
  }

  @Test
  void aMalformedEventIsRefusedWithTheReason() {
    FinetunerEngine engine = engine(new ModelRepository(tmp.resolve("serving")), List.of());

    FinetunerEngine.Accepted notJson =
        engine.accept("{\"stage\": ".getBytes(StandardCharsets.UTF_8));
    FinetunerEngine.Accepted badStage =
        engine.accept(
            ("{\"stage\": \"merged\", \"task\":" + " \"sentiment\", \"version\": 1}")
                .getBytes(StandardCharsets.UTF_8));
    FinetunerEngine.Accepted badVersion =
        engine.accept(
            ("{\"stage\": \"pruned\", \"task\":" + " \"sentiment\", \"version\": 0}")
                .getBytes(StandardCharsets.UTF_8));

    assertEquals(FinetunerEngine.Outcome.REFUSED, notJson.outcome());
    assertEquals(FinetunerEngine.MALFORMED, notJson.label());
    assertNull(notJson.event());
    assertTrue(
        notJson.reason().startsWith("not a model event: ")
            && notJson.reason().endsWith(" in {\"stage\": "),
        notJson.reason());
    assertEquals(FinetunerEngine.Outcome.REFUSED, badStage.outcome());
    assertTrue(
        badStage
            .reason()
            .contains("model event stage must be pruned or finetuned, got" + " merged"),
        badStage.reason());
    assertEquals(FinetunerEngine.Outcome.REFUSED, badVersion.outcome());
    assertTrue(
        badVersion.reason().contains("model event version must be >= 1, got 0"),
        badVersion.reason());
  }
}
