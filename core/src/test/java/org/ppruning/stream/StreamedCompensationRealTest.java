package org.ppruning.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.data.Sample;
import org.ppruning.data.Tasks;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.Imported;
import org.ppruning.model.ModelLayout;
import org.ppruning.pruning.compensation.CompensationSettings;
import org.ppruning.pruning.run.PruneSettings;
import org.ppruning.stream.PrunerCheckpoint.Partition;
import org.ppruning.summary.ProfileBatch;
import org.ppruning.summary.Summaries;
import org.ppruning.summary.SummaryBuilder;
import org.ppruning.summary.TokenizedSample;
import org.ppruning.summary.proto.ActivationSummary;
import org.ppruning.summary.proto.SummaryConfig;
import org.ppruning.testing.OutputError;
import org.ppruning.testing.Positions;
import org.ppruning.testing.RealModels;
import org.ppruning.tokenize.TextTokenizer;

/**
 * MiniLM and 1,500 sentiment sentences streamed with 2,048 compensation rows into two pruner
 * engines, one without and one with least-squares compensation: the same units, and the compensated
 * version's encoder output on held-out texts (the grammar task's) closer to the original model's.
 * Prints the summary bytes and the compensation's cost.
 */
@Tag("real")
class StreamedCompensationRealTest {
  static final String TASK = "sentiment";
  static final int ROWS = 2048;
  static final int SAMPLES = 1500;
  @TempDir Path tmp;

  @Test
  void miniLmCompensatedVersionIsCloserToTheOriginal() throws Exception {
    Imported imp = RealModels.source("all-minilm-l6-v2").load(System.err);
    ArtifactCache cache = ArtifactCache.fromEnvironment(System.getenv(), System.getProperties());
    List<Sample> samples = Tasks.allSamples(TASK, cache, System.err).subList(0, SAMPLES);
    List<Sample> held = Tasks.allSamples("grammar", cache, System.err).subList(0, 64);
    PruneSettings defaults = PruneSettings.defaults();
    try (TransformerModel m =
            TransformerModel.build(imp.spec(), imp.weights(), imp.tokenizerJson());
        TextTokenizer tok = TextTokenizer.load(imp.tokenizerJson())) {
      List<TokenizedSample> tokenized = new ArrayList<>();
      for (Sample x : samples) {
        var t = tok.encode(List.of(x.text()), null, m.spec().maxPositions());
        tokenized.add(new TokenizedSample(x.id(), t.inputIds(), t.tokenTypeIds()));
      }
      SummaryConfig c =
          Summaries.withCompensationRows(
              Summaries.config(TASK, m.spec(), defaults.seed(), defaults.tokens()), ROWS);
      SummaryBuilder b = new SummaryBuilder(c, SummaryBuilder.DEFAULT_MAX_BYTES);
      List<ActivationSummary> records = new ArrayList<>();
      long t0 = System.nanoTime();
      for (int from = 0; from < tokenized.size(); from += 50) { // profiler polls of 50
        records.addAll(
            Positions.of(
                b.profile(
                    m, ProfileBatch.group(tokenized.subList(from, from + 50), c, tok.padId()))));
      }
      System.err.printf(
          "compensation rows %d: %d summary records, %,d bytes, profiled in %.1f s%n",
          ROWS,
          records.size(),
          records.stream().mapToLong(ActivationSummary::getSerializedSize).sum(),
          (System.nanoTime() - t0) / 1e9);
      Path[] dirs = new Path[2];
      double[] secs = new double[2];
      int i = 0;
      for (CompensationSettings.Mode mode :
          List.of(CompensationSettings.Mode.NONE, CompensationSettings.Mode.LEAST_SQUARES)) {
        PrunerEngine e =
            new PrunerEngine(
                new ModelRepository(tmp.resolve(mode.id())),
                new PrunerEngine.Settings(
                    defaults, SAMPLES, 1000, 0.05, mode, ROWS, CompensationSettings.DEFAULT_RIDGE),
                task -> new PrunerEngine.Base("minilm", imp.spec(), imp.weights(), null));
        for (int r = 0; r < records.size(); r++) {
          PrunerEngine.Accepted a = e.accept(TASK, records.get(r), new Partition("t", 0), r);
          assertNotEquals(PrunerEngine.Outcome.REJECTED, a.outcome(), a.detail());
        }
        assertTrue(e.due(TASK));
        PrunerEngine.Pruned p = e.prune(TASK);
        secs[i] = p.seconds();
        dirs[i++] = e.repository().path(TASK, p.version());
      }
      List<String> texts = held.stream().map(Sample::text).toList();
      TokenBatch batch = OutputError.batch(tok, texts, m.spec().maxPositions());
      try (TransformerModel plain = TransformerModel.load(dirs[0]);
          TransformerModel ls = TransformerModel.load(dirs[1])) {
        assertEquals(plain.spec().layers(), ls.spec().layers(), "same units kept");
        String kernel = ModelLayout.of(ls.spec()).ffnProjection(0).kernel();
        assertNotEquals(plain.readWeights().get(kernel), ls.readWeights().get(kernel));
        double errPlain = OutputError.relative(plain, m, batch);
        double errLs = OutputError.relative(ls, m, batch);
        System.err.printf(
            "MiniLM 50%% FLOPs, %d compensation rows: held-out sequence_output relative error"
                + " plain %.4f, least-squares %.4f; prune + write %.1f s plain, %.1f s"
                + " compensated%n",
            ROWS, errPlain, errLs, secs[0], secs[1]);
        for (Path d : dirs) {
          System.err.println(
              d.getParent().getParent().getFileName()
                  + " stage seconds: "
                  + new com.fasterxml.jackson.databind.ObjectMapper()
                      .readTree(d.resolve("pruning-report.json").toFile())
                      .get("seconds"));
        }
        assertTrue(errLs < 0.9 * errPlain, "compensated " + errLs + " vs plain " + errPlain);
      }
    }
  }
}
