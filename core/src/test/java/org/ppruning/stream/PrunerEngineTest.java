package org.ppruning.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ppruning.stream.RepositoryAssertions.assertSameUnits;
import static org.ppruning.stream.RepositoryAssertions.assertSameVersions;
import static org.ppruning.stream.RepositoryAssertions.versions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.data.Sample;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.LayerSpec;
import org.ppruning.model.ModelLayout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TinyModels;
import org.ppruning.model.Weights;
import org.ppruning.pruning.clustering.LinkageMode;
import org.ppruning.pruning.compensation.CompensationSettings;
import org.ppruning.pruning.run.Method;
import org.ppruning.pruning.run.PruneRun;
import org.ppruning.pruning.run.PruneSettings;
import org.ppruning.stream.PrunerCheckpoint.Partition;
import org.ppruning.summary.FeatureCollector;
import org.ppruning.summary.ProfileBatch;
import org.ppruning.summary.Summaries;
import org.ppruning.summary.SummaryBuilder;
import org.ppruning.summary.TokenizedSample;
import org.ppruning.summary.proto.ActivationSummary;
import org.ppruning.summary.proto.SummaryConfig;
import org.ppruning.testing.OutputError;
import org.ppruning.testing.Positions;
import org.ppruning.tokenize.TextTokenizer;
import org.ppruning.tokenize.TokenizerFiles;

/** The pruner engine on a tiny random BERT: batch parity, redelivery, restarts, versions. */
class PrunerEngineTest {
  @TempDir static Path shared;
  @TempDir Path tmp;

  static final String TASK = "sst2";
  static final int K = 60;
  static final long SEED = 7;
  static final Partition P0 = new Partition(Topics.SUMMARIES, 0);
  static final PruneSettings SETTINGS =
      PruneSettings.builder()
          .method(Method.P_PRUNING)
          .linkage(LinkageMode.REFERENCE)
          .flopsKeep(0.6)
          .lambda(5)
          .seed(SEED)
          .tokens(K)
          .build();

  static ModelSpec spec;
  static Weights weights;
  static TransformerModel model;
  static Path tokenizer;
  static TextTokenizer tok;
  static List<Sample> samples;
  static List<TokenizedSample> tokenized;

  /** What one streaming profiler publishes for the samples in a shuffled order, polls of 7. */
  static List<ActivationSummary> records;

  @BeforeAll
  static void setUp() throws Exception {
    spec = TinyModels.bertSpec(2, 16, 4, 32);
    weights = TinyModels.randomWeights(spec, 5);
    tokenizer =
        Files.writeString(
            shared.resolve("tokenizer.json"), TokenizerFiles.wordPieceJson(TinyModels.VOCAB, true));
    model = TransformerModel.build(spec, weights, tokenizer);
    tok = TextTokenizer.load(tokenizer);
    Random r = new Random(3);
    samples = new ArrayList<>();
    tokenized = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      StringBuilder b = new StringBuilder();
      for (int j = 0, len = 1 + r.nextInt(20); j < len; j++) {
        b.append("w").append(r.nextInt(45)).append(' ');
      }
      Sample s = new Sample("s" + i, b.toString().strip(), null, null);
      samples.add(s);
      var t = tok.encode(List.of(s.text()), null, spec.maxPositions());
      tokenized.add(new TokenizedSample(s.id(), t.inputIds(), t.tokenTypeIds()));
    }
    records = publish(Summaries.config(TASK, spec, SEED, K), model, 7, 11);
  }

  @AfterAll
  static void tearDown() {
    model.close();
    tok.close();
  }

  /** One streaming builder: the samples shuffled, polls of {@code poll}, small chunks. */
  static List<ActivationSummary> publish(
      SummaryConfig c, TransformerModel m, int poll, long shuffle) {
    List<TokenizedSample> order = new ArrayList<>(tokenized);
    Collections.shuffle(order, new Random(shuffle));
    SummaryBuilder b = new SummaryBuilder(c, 3_000);
    List<ActivationSummary> out = new ArrayList<>();
    for (int from = 0; from < order.size(); from += poll) {
      List<TokenizedSample> p = order.subList(from, Math.min(order.size(), from + poll));
      out.addAll(Positions.of(b.profile(m, ProfileBatch.group(p, c, tok.padId()))));
    }
    return out;
  }

  PrunerEngine engine(Path repo, long min, long every, double minChange) {
    return new PrunerEngine(
        new ModelRepository(repo),
        new PrunerEngine.Settings(SETTINGS, min, every, minChange),
        task -> new PrunerEngine.Base("tiny", spec, weights, tokenizer));
  }

  /** Feeds records [from, to) at their index as offset, re-clustering whenever due. */
  static List<PrunerEngine.Pruned> drive(PrunerEngine e, int from, int to) throws IOException {
    List<PrunerEngine.Pruned> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      PrunerEngine.Accepted a = e.accept(TASK, records.get(i), P0, i);
      assertNotEquals(PrunerEngine.Outcome.REJECTED, a.outcome(), a.detail());
      if (e.due(TASK)) {
        PrunerEngine.Pruned p = e.prune(TASK);
        if (p.event() != null) {
          e.published(TASK, p.event().version());
        }
        out.add(p);
      }
    }
    return out;
  }

  static void assertNotEquals(Object a, Object b, String msg) {
    assertFalse(a.equals(b), msg);
  }

  @Test
  void firstVersionKeepsExactlyTheBatchCommandsUnits() throws Exception {
    assertTrue(records.stream().anyMatch(r -> r.getChunks() > 1), "some summaries are chunked");
    PrunerEngine e = engine(tmp.resolve("repo"), samples.size(), 1000, 0);
    List<PrunerEngine.Pruned> pruned = drive(e, 0, records.size());
    assertEquals(1, pruned.size(), "one pruning, once all 60 samples were merged");
    PrunerEngine.Pruned p = pruned.get(0);
    assertTrue(p.written());
    assertEquals(1, p.version());
    assertEquals(60, p.samples());

    ActivationFeatures batch =
        FeatureCollector.collect(model, tok, samples, K, SEED, 8, System.err);
    PruneRun run = PruneRun.plan(spec, weights, batch, SETTINGS, "batch", Map.of());
    Path dir = e.repository().path(TASK, 1);
    try (TransformerModel m = TransformerModel.load(dir)) {
      assertSameUnits(run.kept(), m.spec().layers(), "streamed version vs batch");
      assertTrue(
          m.spec().layers().stream().mapToInt(l -> l.heads() + l.ffn()).sum() < 2 * (4 + 32),
          "something was pruned");
    }
    ModelEvent ev = p.event();
    assertNotNull(ev);
    assertEquals(ModelEvent.PRUNED, ev.stage());
    assertEquals(TASK, ev.task());
    assertEquals(dir.toUri().toString(), ev.path());
    assertEquals("tiny", ev.parent());
    assertEquals(60, ev.samples());
    assertEquals(
        run.pruned().spec().headsPerLayer(),
        ev.layers().stream().map(ModelEvent.Width::heads).toList());
    assertEquals(
        run.pruned().spec().ffnPerLayer(),
        ev.layers().stream().map(ModelEvent.Width::ffn).toList());
    assertTrue(ev.flopsKept() > 0 && ev.flopsKept() <= 0.6 + 1e-9, "flops kept " + ev.flopsKept());
    assertTrue(ev.paramsKept() > 0 && ev.paramsKept() < 1, "params kept " + ev.paramsKept());
    assertTrue(ev.reason().startsWith("first pruning: 60 samples"), ev.reason());
    assertEquals(ev, ModelEvent.fromJson(ev.toJson()));
  }

  @Test
  void redeliveredSummariesAreNotCounted() throws Exception {
    PrunerEngine e = engine(tmp.resolve("repo"), 1000, 1000, 0);
    drive(e, 0, records.size());
    byte[] before = e.checkpoint().tasks().get(TASK).state().toByteArray();
    assertEquals(60, e.samples(TASK));
    for (int i = 0; i < records.size(); i++) {
      PrunerEngine.Accepted a = e.accept(TASK, records.get(i), P0, records.size() + i);
      assertEquals(PrunerEngine.Outcome.REDELIVERED, a.outcome(), "record " + i);
      assertEquals(60, a.samples());
    }
    assertArrayEquals(
        before,
        e.checkpoint().tasks().get(TASK).state().toByteArray(),
        "the state is unchanged, bit for bit");
    assertEquals(2L * records.size(), e.offsets().get(P0), "offsets still advance");
  }

  @Test
  void restartFromACheckpointEqualsTheUninterruptedRun() throws Exception {
    PrunerEngine a = engine(tmp.resolve("a"), 20, 10, 0);
    List<PrunerEngine.Pruned> runA = drive(a, 0, records.size());
    assertTrue(runA.size() >= 3, "re-clustered several times: " + runA.size());
    List<List<LayerSpec>> want = versions(tmp.resolve("a"), TASK);
    assertTrue(want.size() >= 2, "versions written: " + want.size());

    // Stop after a third of the records, restart from the checkpoint at its offsets.
    Path file = tmp.resolve("b.ckpt");
    PrunerEngine b = engine(tmp.resolve("b"), 20, 10, 0);
    drive(b, 0, records.size() / 3);
    b.checkpoint().write(file);
    PrunerEngine b2 =
        PrunerEngine.open(
            file,
            new ModelRepository(tmp.resolve("b")),
            b.settings(),
            task -> new PrunerEngine.Base("tiny", spec, weights, tokenizer));
    assertEquals(b.samples(TASK), b2.samples(TASK));
    int resume = Math.toIntExact(b2.offsets().get(P0));
    assertEquals(records.size() / 3, resume);
    drive(b2, resume, records.size());
    assertSameVersions(want, versions(tmp.resolve("b"), TASK));
    assertArrayEquals(
        a.checkpoint().tasks().get(TASK).state().toByteArray(),
        b2.checkpoint().tasks().get(TASK).state().toByteArray(),
        "final state");
    assertEquals(60, b2.samples(TASK), "nothing counted twice");
  }

  @Test
  void aCrashBetweenWritingAVersionAndCheckpointingWritesNoDuplicate() throws Exception {
    PrunerEngine a = engine(tmp.resolve("a"), 20, 10, 0);
    drive(a, 0, records.size());
    List<List<LayerSpec>> want = versions(tmp.resolve("a"), TASK);

    // Checkpoint before every record; "crash" right after the first version is written.
    Path root = tmp.resolve("c");
    Path file = tmp.resolve("c.ckpt");
    PrunerEngine c = engine(root, 20, 10, 0);
    int crashAt = -1;
    for (int i = 0; i < records.size() && crashAt < 0; i++) {
      c.checkpoint().write(file);
      c.accept(TASK, records.get(i), P0, i);
      if (c.due(TASK) && c.prune(TASK).written()) {
        crashAt = i; // its event is never published, the checkpoint is before the record
      }
    }
    assertTrue(crashAt > 0, "a version was written");
    Path v1File = root.resolve(TASK).resolve("1").resolve("saved_model.pb");
    FileTime v1 = Files.getLastModifiedTime(v1File);
    PrunerEngine c2 =
        PrunerEngine.open(
            file,
            new ModelRepository(root),
            c.settings(),
            task -> new PrunerEngine.Base("tiny", spec, weights, tokenizer));
    assertEquals(crashAt, c2.offsets().get(P0), "resumes at the record that was lost");
    List<PrunerEngine.Pruned> replay = drive(c2, crashAt, records.size());
    PrunerEngine.Pruned first = replay.get(0);
    assertFalse(first.written(), "the same selection is not written again");
    assertEquals(0.0, first.change());
    assertEquals(1, first.version());
    assertNotNull(first.event(), "the lost event of version 1 is published after the restart");
    assertEquals(1, first.event().version());
    assertTrue(first.event().reason().startsWith("written before a restart"));
    assertSameVersions(want, versions(root, TASK));
    assertEquals(v1, Files.getLastModifiedTime(v1File), "version 1 was not rewritten");
  }

  @Test
  void invalidVersionFoldersAreSkippedReportedOnceAndNumberedPast() throws Exception {
    // An empty folder 999 before anything was written: the first version is 1000.
    Path root = tmp.resolve("invalid");
    ModelRepository repo = new ModelRepository(root);
    Path empty = Files.createDirectories(repo.path(TASK, 999));
    PrunerEngine e = engine(root, 20, 1_000_000, 0.9);
    List<PrunerEngine.Pruned> runs = drive(e, 0, records.size());
    assertEquals(1, runs.size(), "one re-clustering at min-samples");
    PrunerEngine.Pruned first = runs.get(0);
    assertTrue(first.written());
    assertEquals(1000, first.version());
    assertEquals(List.of(999L, 1000L), repo.versions(TASK));
    assertEquals(1, first.skipped().size(), first.skipped().toString());
    assertEquals(VersionCheck.Reason.INVALID_SPEC, first.skipped().get(0).reason());
    assertEquals(empty.toString(), first.skipped().get(0).path());

    // An empty 1001 above it: re-clustering compares with 1000 (not wedged), reports 1001 once.
    Path above = Files.createDirectories(repo.path(TASK, 1001));
    PrunerEngine.Pruned again = e.prune(TASK);
    assertFalse(again.written());
    assertEquals(1000, again.version(), "the latest valid version");
    assertTrue(again.change() < 0.9, "compared with 1000, under min-change: " + again.change());
    assertEquals(List.of(above.toString()), again.skipped().stream().map(p -> p.path()).toList());
    assertEquals(List.of(), e.prune(TASK).skipped(), "reported once");
  }

  @Test
  void aVersionIsWrittenOnlyWhenTheSelectionChangedEnough() throws Exception {
    Path root = tmp.resolve("any");
    PrunerEngine any = engine(root, 20, 10, 0);
    List<PrunerEngine.Pruned> runs = drive(any, 0, records.size());
    List<List<LayerSpec>> versions = versions(root, TASK);
    int v = 0;
    for (PrunerEngine.Pruned p : runs) {
      if (p.written()) {
        v++;
        if (v > 1) {
          assertTrue(p.change() > 0, "version " + v + " differs from its predecessor");
          assertEquals(p.change(), KeptUnits.change(versions.get(v - 2), versions.get(v - 1)));
        }
      } else {
        assertEquals(0.0, p.change(), "not written: the same units");
        assertNull(p.event(), "nothing to publish");
      }
    }
    assertEquals(versions.size(), v);
    // Re-clustering the same state again: the same units, no version.
    PrunerEngine.Pruned again = any.prune(TASK);
    assertFalse(again.written());
    assertEquals(0.0, again.change());
    assertEquals(versions.size(), again.version());

    // A high min-change: only the first version, although the selections changed.
    Path high = tmp.resolve("high");
    List<PrunerEngine.Pruned> coarse = drive(engine(high, 20, 10, 0.9), 0, records.size());
    assertEquals(List.of(1L), new ModelRepository(high).versions(TASK));
    assertTrue(
        coarse.stream().skip(1).anyMatch(p -> p.change() > 0 && !p.written()),
        "some re-clustering changed the units but stayed under min-change");
  }

  @Test
  void summariesOfAnotherModelOrStreamAreRejectedNotMerged() throws Exception {
    PrunerEngine e = engine(tmp.resolve("repo"), 1000, 1000, 0);
    e.accept(TASK, records.get(0), P0, 0);
    long samples = e.samples(TASK);
    assertTrue(samples > 0);

    ModelSpec other = TinyModels.bertSpec(2, 16, 4, 24);
    try (TransformerModel m =
        TransformerModel.build(other, TinyModels.randomWeights(other, 1), null)) {
      ActivationSummary foreign = publish(Summaries.config(TASK, other, SEED, K), m, 7, 11).get(2);
      PrunerEngine.Accepted a = e.accept(TASK, foreign, P0, 1);
      assertEquals(PrunerEngine.Outcome.REJECTED, a.outcome());
      assertEquals("model", a.reason());
      assertTrue(a.detail().contains("base model 'tiny'"), a.detail());
    }
    ActivationSummary seed8 = publish(Summaries.config(TASK, spec, 8, K), model, 7, 11).get(2);
    PrunerEngine.Accepted b = e.accept(TASK, seed8, P0, 2);
    assertEquals("config", b.reason());
    assertTrue(b.detail().contains("seed 8"), b.detail());
    assertEquals("key", e.accept("cola", records.get(1), P0, 3).reason());
    assertEquals(samples, e.samples(TASK), "nothing rejected was merged");
    assertEquals(4L, e.offsets().get(P0), "rejected records are not read again");

    // A checkpoint made with other settings is refused at start, naming the file.
    Path file = tmp.resolve("x.ckpt");
    e.checkpoint().write(file);
    PruneSettings k50 =
        PruneSettings.builder()
            .method(Method.P_PRUNING)
            .linkage(LinkageMode.REFERENCE)
            .flopsKeep(0.6)
            .lambda(5)
            .seed(SEED)
            .tokens(50)
            .build();
    IOException x =
        assertThrows(
            IOException.class,
            () ->
                PrunerEngine.open(
                    file,
                    new ModelRepository(tmp.resolve("repo")),
                    new PrunerEngine.Settings(k50, 1, 1, 0),
                    task -> new PrunerEngine.Base("tiny", spec, weights, tokenizer)));
    assertTrue(
        x.getMessage().contains("tokens 60") && x.getMessage().contains(file.toString()),
        x.getMessage());
  }

  @Test
  void checkpointRoundTripsAndRefusesDamage() throws Exception {
    PrunerEngine e = engine(tmp.resolve("repo"), 1000, 1000, 0);
    drive(e, 0, 10);
    PrunerCheckpoint c = e.checkpoint();
    Path file = tmp.resolve("ck");
    c.write(file);
    PrunerCheckpoint back = PrunerCheckpoint.read(file);
    assertEquals(c.offsets(), back.offsets());
    assertEquals(c.tasks(), back.tasks());
    assertArrayEquals(c.toBytes(), back.toBytes());
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 1;
    Files.write(file, bytes);
    IOException x = assertThrows(IOException.class, () -> PrunerCheckpoint.read(file));
    assertTrue(x.getMessage().contains(file.toString()), x.getMessage());
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 100));
    assertThrows(IOException.class, () -> PrunerCheckpoint.read(file));

    // A checkpoint whose state is of the old format (batches by sample ids) is refused at start.
    Path old = tmp.resolve("old.ckpt");
    var state = c.tasks().get(TASK);
    new PrunerCheckpoint(
            c.offsets(),
            java.util.Map.of(
                TASK,
                new PrunerCheckpoint.TaskEntry(
                    state.prunedAt(),
                    state.published(),
                    state.state().toBuilder().clearFormat().build())))
        .write(old);
    IOException refused =
        assertThrows(
            IOException.class,
            () ->
                PrunerEngine.open(
                    old,
                    new ModelRepository(tmp.resolve("repo")),
                    new PrunerEngine.Settings(SETTINGS, 1000, 1000, 0),
                    task -> new PrunerEngine.Base("tiny", spec, weights, tokenizer)));
    assertTrue(
        refused.getMessage().contains(old.toString())
            && refused.getMessage().contains("is in format 1 (batches listed by sample ids)"),
        refused.getMessage());
  }

  @Test
  void changeIsTheJaccardDistanceOfTheKeptUnits() {
    List<LayerSpec> a = List.of(new LayerSpec(new int[] {0, 1}, new int[] {0, 2, 4, 6}));
    List<LayerSpec> b = List.of(new LayerSpec(new int[] {0, 1}, new int[] {0, 2, 4, 7}));
    assertEquals(0.0, KeptUnits.change(a, a));
    // union {h0, h1, n0, n2, n4, n6, n7} = 7, shared 5
    assertEquals(2.0 / 7, KeptUnits.change(a, b), 1e-15);
    List<LayerSpec> c = List.of(new LayerSpec(new int[] {2}, new int[] {1}));
    assertEquals(1.0, KeptUnits.change(a, c));
    assertThrows(IllegalArgumentException.class, () -> KeptUnits.change(a, List.of()));
  }

  @Test
  void compensatedVersionDiffersAndIsCloserToTheOriginal() throws Exception {
    int rows = 300;
    SummaryConfig c = Summaries.withCompensationRows(Summaries.config(TASK, spec, SEED, K), rows);
    List<ActivationSummary> recs = publish(c, model, 7, 11);
    Path[] dirs = new Path[2];
    int i = 0;
    for (CompensationSettings.Mode mode :
        List.of(CompensationSettings.Mode.NONE, CompensationSettings.Mode.LEAST_SQUARES)) {
      PrunerEngine e =
          new PrunerEngine(
              new ModelRepository(tmp.resolve("repo-" + mode.id())),
              new PrunerEngine.Settings(
                  SETTINGS,
                  samples.size(),
                  1000,
                  0,
                  mode,
                  rows,
                  CompensationSettings.DEFAULT_RIDGE),
              task -> new PrunerEngine.Base("tiny", spec, weights, tokenizer));
      for (int r = 0; r < recs.size(); r++) {
        PrunerEngine.Accepted a = e.accept(TASK, recs.get(r), P0, r);
        assertNotEquals(PrunerEngine.Outcome.REJECTED, a.outcome(), a.detail());
      }
      assertTrue(e.due(TASK));
      PrunerEngine.Pruned p = e.prune(TASK);
      assertTrue(p.written());
      dirs[i++] = e.repository().path(TASK, p.version());
    }
    TokenBatch batch = OutputError.batch(tok, OutputError.tinyTexts(40, 99), spec.maxPositions());
    try (TransformerModel plain = TransformerModel.load(dirs[0]);
        TransformerModel ls = TransformerModel.load(dirs[1])) {
      assertEquals(plain.spec().layers(), ls.spec().layers(), "same units kept");
      String kernel = ModelLayout.of(ls.spec()).ffnProjection(0).kernel();
      assertFalse(
          plain.readWeights().get(kernel).equals(ls.readWeights().get(kernel)),
          "compensation changed the kept rows");
      Map<?, ?> prov =
          (Map<?, ?>) ((Map<?, ?>) ls.spec().metadata().get("pruning")).get("compensation");
      assertEquals("least-squares", prov.get("mode"));
      assertEquals("original", prov.get("fit"));
      assertEquals(rows, ((Number) prov.get("rows")).intValue());
      double errPlain = OutputError.relative(plain, model, batch);
      double errLs = OutputError.relative(ls, model, batch);
      System.out.printf(
          "held-out sequence_output relative error: plain %.4f, least-squares %.4f%n",
          errPlain, errLs);
      assertTrue(errPlain > 0.05, "pruning changed the output: " + errPlain);
      assertTrue(errLs < 0.3 * errPlain, "compensated " + errLs + " vs plain " + errPlain);
    }
  }

  @Test
  void compensationWithoutRowsIsRefusedByName() throws Exception {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new PrunerEngine.Settings(
                    SETTINGS, 1, 1, 0, CompensationSettings.Mode.LEAST_SQUARES, 0, 1e-2));
    assertTrue(e.getMessage().contains("compensation-rows is 0"), e.getMessage());
    // summaries of a profiler without compensation rows: read, and refused by a pruner that
    // expects rows, naming them
    PrunerEngine en =
        new PrunerEngine(
            new ModelRepository(tmp.resolve("repo")),
            new PrunerEngine.Settings(
                SETTINGS, 1, 1, 0, CompensationSettings.Mode.LEAST_SQUARES, 300, 1e-2),
            task -> new PrunerEngine.Base("tiny", spec, weights, tokenizer));
    PrunerEngine.Accepted a = en.accept(TASK, records.get(0), P0, 0);
    assertEquals(PrunerEngine.Outcome.REJECTED, a.outcome());
    assertEquals("config", a.reason());
    assertTrue(
        a.detail().contains("compensation rows 0 (none: a profiler before compensation rows"),
        a.detail());
  }
}
