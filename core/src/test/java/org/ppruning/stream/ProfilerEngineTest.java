package org.ppruning.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.data.Sample;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TinyModels;
import org.ppruning.stream.ProfilerEngine.Item;
import org.ppruning.stream.ProfilerEngine.Result;
import org.ppruning.stream.ProfilerEngine.Settings;
import org.ppruning.stream.ProfilerEngine.TooLong;
import org.ppruning.summary.FeatureCollector;
import org.ppruning.summary.MergeResult;
import org.ppruning.summary.Summaries;
import org.ppruning.summary.SummaryState;
import org.ppruning.summary.proto.ActivationSummary;
import org.ppruning.summary.proto.BatchSource;
import org.ppruning.testing.FeatureAsserts;
import org.ppruning.tokenize.TextTokenizer;

/** The Kafka-free profiler on a tiny random BERT (24 positions, 50 words). */
class ProfilerEngineTest {
  @TempDir static Path tmp;
  static TransformerModel model;
  static TextTokenizer tok;
  static List<Sample> samples;

  static final int K = 60;
  static final long SEED = 7;

  @BeforeAll
  static void setUp() throws Exception {
    ModelSpec spec = TinyModels.bertSpec(2, 16, 4, 32);
    model = TransformerModel.build(spec, TinyModels.randomWeights(spec, 5), null);
    tok = TinyModels.tokenizer(tmp);
    samples = TinyModels.samples(40, 3, 1, 20);
  }

  @AfterAll
  static void tearDown() {
    model.close();
    tok.close();
  }

  static ProfilerEngine engine(int maxBytes, TooLong policy) {
    return new ProfilerEngine(
        Map.of("sst2", new ProfilerEngine.TaskModel(model, tok)),
        new Settings(SEED, K, 8, maxBytes, policy));
  }

  static final BatchSource AT = Summaries.source("samples/0", 100, 112);

  static List<Item> items(List<Sample> xs) {
    return xs.stream().map(x -> new Item("sst2", x)).toList();
  }

  @Test
  void mergedSummariesEqualTheBatchCommandsFeaturesBitForBit() {
    ProfilerEngine e = engine(2_000, TooLong.REJECT);
    SummaryState state = new SummaryState(e.config("sst2"));
    int records = 0;
    for (int from = 0; from < samples.size(); from += 9) {
      Result r =
          e.process(
              Summaries.source("samples/0", from, from + 9),
              items(samples.subList(from, Math.min(samples.size(), from + 9))));
      assertEquals(List.of(), r.rejected());
      assertEquals(List.of(), r.truncated());
      assertEquals(1, r.summaries().size());
      for (ActivationSummary s : r.summaries().get(0).records()) {
        assertTrue(s.getSerializedSize() <= 2_000, "record of " + s.getSerializedSize() + " bytes");
        assertEquals("sst2", s.getConfig().getTask());
        state.merge(s);
        records++;
      }
    }
    assertTrue(records > 5, "a 2,000-byte bound splits summaries into chunks: " + records);
    assertTrue(state.complete());
    FeatureAsserts.assertSameFeatures(
        FeatureCollector.collect(model, tok, samples, K, SEED, 8, System.err), state.toFeatures());
  }

  @Test
  void aFreshEngineGivesTheSameBytesAndTheStateSeesARedelivery() {
    List<Item> batch = items(samples.subList(0, 12));
    Result first = engine(1 << 20, TooLong.REJECT).process(AT, batch);
    Result again = engine(1 << 20, TooLong.REJECT).process(AT, batch);
    List<ActivationSummary> a = first.summaries().get(0).records();
    List<ActivationSummary> b = again.summaries().get(0).records();
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.get(i).toByteString(), b.get(i).toByteString(), "record " + i);
    }
    SummaryState s = new SummaryState(engine(1 << 20, TooLong.REJECT).config("sst2"));
    assertEquals(MergeResult.Outcome.COUNTED, s.merge(a.get(0)).outcome());
    assertEquals(MergeResult.Outcome.REDELIVERED, s.merge(b.get(0)).outcome());
    assertEquals(12, s.samples(), "counted once");
  }

  @Test
  void badSamplesAreRejectedWithTheirIndexAndTheOthersStillProfiled() {
    Random r = new Random(9);
    List<Item> batch = new ArrayList<>();
    batch.add(new Item("sst2", samples.get(0)));
    batch.add(
        new Item(
            "sst2", new Sample("long", TinyModels.words(r, 30), null, null))); // 32 tokens > 24
    batch.add(new Item("sst2", new Sample("s0", "w1 w2", null, null))); // repeats s0's id
    batch.add(new Item("sst2", new Sample("ctl", "\u0001\u0002", null, null)));
    batch.add(new Item("cola", samples.get(1)));
    batch.add(new Item("sst2", samples.get(2)));
    Result rejecting = engine(1 << 20, TooLong.REJECT).process(AT, batch);
    assertEquals(
        List.of(1, 2, 3, 4),
        rejecting.rejected().stream().map(ProfilerEngine.Rejection::index).toList());
    assertEquals(
        List.of(
            RejectReason.TOO_LONG,
            RejectReason.DUPLICATE_ID,
            RejectReason.NO_TOKENS,
            RejectReason.UNKNOWN_TASK),
        rejecting.rejected().stream().map(ProfilerEngine.Rejection::reason).toList());
    assertTrue(
        rejecting.rejected().get(0).message().contains("sample 'long': text (\"w"),
        rejecting.rejected().get(0).message());
    assertTrue(
        rejecting.rejected().get(0).message().contains("32 tokens, more than the limit of 24"),
        rejecting.rejected().get(0).message());
    assertEquals(List.of("s0", "s2"), rejecting.summaries().get(0).sampleIds());
    assertEquals(2, rejecting.profiled());

    Result truncating = engine(1 << 20, TooLong.TRUNCATE).process(AT, batch);
    assertEquals(
        List.of(new ProfilerEngine.Truncation(1, "sst2", "long", 32, 24)), truncating.truncated());
    assertEquals(List.of("long", "s0", "s2"), truncating.summaries().get(0).sampleIds());
    assertEquals(3, truncating.rejected().size());
  }

  @Test
  void settingsAreChecked() {
    assertThrows(IllegalArgumentException.class, () -> new Settings(1, 0, 8, 100, TooLong.REJECT));
    assertThrows(IllegalArgumentException.class, () -> TooLong.parse("cut"));
    assertEquals(TooLong.TRUNCATE, TooLong.parse(" Truncate "));
    assertThrows(IllegalArgumentException.class, () -> engine(100, TooLong.REJECT).config("x"));
    Settings d = Settings.defaults();
    assertEquals(new Settings(42, 200, 8, 512 * 1024, TooLong.REJECT), d);
    assertEquals(0, d.compensationRows());
    for (int rows : new int[] {-1, 8, 15, 65_537}) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> new Settings(1, 60, 8, 100, TooLong.REJECT, rows));
      assertTrue(
          e.getMessage().contains("compensation rows must be in [16, 65536]"), e.getMessage());
    }
    assertEquals(16, new Settings(1, 60, 8, 100, TooLong.REJECT, 16).compensationRows());
  }

  @Test
  void compensationRowsTravelInTheSummaries() {
    ProfilerEngine e =
        new ProfilerEngine(
            Map.of("sst2", new ProfilerEngine.TaskModel(model, tok)),
            new Settings(SEED, K, 8, 1 << 20, TooLong.REJECT, 200));
    assertEquals(200, e.config("sst2").getCompensationRows());
    SummaryState state = new SummaryState(e.config("sst2"));
    e.process(Summaries.source("samples/0", 0, samples.size()), items(samples))
        .summaries()
        .get(0)
        .records()
        .forEach(state::merge);
    assertTrue(state.tokens() > 200, "tokens " + state.tokens());
    assertEquals(200, state.sampledTokens(), "the 200 smallest keys, not only k = " + K);
    assertEquals(200, state.compensationRows().size());
    FeatureAsserts.assertSameFeatures(
        FeatureCollector.collect(model, tok, samples, K, SEED, 8, System.err), state.toFeatures());
  }
}
