package org.ppruning.summary;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ppruning.data.Sample;
import org.ppruning.data.Tasks;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.Imported;
import org.ppruning.pruning.Budget;
import org.ppruning.pruning.clustering.LinkageMode;
import org.ppruning.pruning.run.Method;
import org.ppruning.pruning.run.PPruning;
import org.ppruning.summary.proto.ActivationSummary;
import org.ppruning.summary.proto.SummaryConfig;
import org.ppruning.testing.Positions;
import org.ppruning.testing.RealModels;
import org.ppruning.tokenize.TextTokenizer;

/**
 * MiniLM on 1,500 of the sentiment sentences: the batch command's features, and the features of
 * three streaming builders that got the samples shuffled, in polls of 50 (one summary each,
 * profiled in runs of 8 rows per padded length), merged in a shuffled order, are the same bit for
 * bit, and so are the units P-pruning keeps.
 */
@Tag("real")
class SummaryRealTest {
  /** Three builders' shares of 500, polls of 50 (the parity does not need all 3,000). */
  private static final int SENTENCES = 1500;

  @Test
  void streamingAndBatchChooseIdenticalUnits() throws Exception {
    Imported imp = RealModels.source("all-minilm-l6-v2").load(System.err);
    List<Sample> samples =
        Tasks.allSamples(
                "sentiment",
                ArtifactCache.fromEnvironment(System.getenv(), System.getProperties()),
                System.err)
            .subList(0, SENTENCES);
    try (TransformerModel m =
            TransformerModel.build(imp.spec(), imp.weights(), imp.tokenizerJson());
        TextTokenizer tok = TextTokenizer.load(imp.tokenizerJson())) {
      ActivationFeatures batch =
          FeatureCollector.collect(
              m, tok, samples, 200, 42, Summaries.DEFAULT_ROWS_PER_RUN, System.err);

      SummaryConfig c = Summaries.config("sentiment", m.spec(), 42, 200);
      List<TokenizedSample> tokenized = new ArrayList<>();
      for (Sample s : samples) {
        var t = tok.encode(List.of(s.text()), null, m.spec().maxPositions());
        tokenized.add(new TokenizedSample(s.id(), t.inputIds(), t.tokenTypeIds()));
      }
      Collections.shuffle(tokenized, new Random(1));
      List<ActivationSummary> records = new ArrayList<>();
      for (int b = 0; b < 3; b++) {
        SummaryBuilder builder = new SummaryBuilder(c, SummaryBuilder.DEFAULT_MAX_BYTES);
        int share0 = b * SENTENCES / 3;
        List<TokenizedSample> share = tokenized.subList(share0, share0 + SENTENCES / 3);
        for (int from = 0; from < share.size(); from += 50) { // "Kafka polls" of 50 samples
          records.addAll(
              Positions.of(
                  builder.profile(
                      m, ProfileBatch.group(share.subList(from, from + 50), c, tok.padId()))));
        }
      }
      Collections.shuffle(records, new Random(2));
      SummaryState state = new SummaryState(c);
      long bytes = 0;
      for (ActivationSummary r : records) {
        assertTrue(r.getSerializedSize() <= SummaryBuilder.DEFAULT_MAX_BYTES);
        bytes += r.getSerializedSize();
        state.merge(r);
      }
      System.err.printf(
          "MiniLM, %,d sentences: %d records, %,d bytes, %d batches%n",
          SENTENCES, records.size(), bytes, state.batches());
      ActivationFeatures streamed = state.toFeatures();
      SummaryTest.assertSameFeatures(batch, streamed);

      // The same three profilers taking turns, each told the pruner's k-th key after a merge.
      SummaryState fed = new SummaryState(c);
      List<SummaryBuilder> builders =
          List.of(
              new SummaryBuilder(c, SummaryBuilder.DEFAULT_MAX_BYTES),
              new SummaryBuilder(c, SummaryBuilder.DEFAULT_MAX_BYTES),
              new SummaryBuilder(c, SummaryBuilder.DEFAULT_MAX_BYTES));
      long fedBytes = 0;
      int fedRecords = 0;
      for (int from = 0; from < tokenized.size(); from += 50) {
        SummaryBuilder builder = builders.get(from / 50 % 3);
        for (ActivationSummary r :
            Positions.of(
                builder.profile(
                    m, ProfileBatch.group(tokenized.subList(from, from + 50), c, tok.padId())))) {
          fedBytes += r.getSerializedSize();
          fedRecords++;
          fed.merge(r);
        }
        fed.kthKey().ifPresent(k -> builders.forEach(x -> x.tighten(k)));
      }
      System.err.printf(
          "with the k-th key fed back: %d records, %,d bytes%n", fedRecords, fedBytes);
      SummaryTest.assertSameFeatures(batch, fed.toFeatures());

      Budget budget =
          new Budget(Budget.Kind.FLOPS, 0.5, 5, null, null, (int) Math.round(batch.meanLength()));
      var config = new PPruning.Config(Method.P_PRUNING, LinkageMode.DIRECT, budget, 42);
      var weights = m.readWeights();
      PPruning.Result a = PPruning.plan(m.spec(), weights, batch, config);
      PPruning.Result b = PPruning.plan(m.spec(), weights, streamed, config);
      for (int l = 0; l < m.spec().numLayers(); l++) {
        assertArrayEquals(a.plan().keepHeads().get(l), b.plan().keepHeads().get(l));
        assertArrayEquals(a.plan().keepNeurons().get(l), b.plan().keepNeurons().get(l));
      }
    }
  }
}
