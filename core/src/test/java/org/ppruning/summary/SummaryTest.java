package org.ppruning.summary;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
import org.ppruning.graph.ProfileNames;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.LayerSpec;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TinyModels;
import org.ppruning.summary.proto.ActivationState;
import org.ppruning.summary.proto.ActivationSummary;
import org.ppruning.summary.proto.BatchSource;
import org.ppruning.summary.proto.KeyRange;
import org.ppruning.summary.proto.RowEncoding;
import org.ppruning.summary.proto.SummaryConfig;
import org.ppruning.summary.proto.TokenKey;
import org.ppruning.testing.FeatureAsserts;
import org.ppruning.testing.Positions;
import org.ppruning.tokenize.TextTokenizer;

/** Summaries of a tiny random BERT: exact, order-independent merging and its failure modes. */
class SummaryTest {
  @TempDir static Path tmp;
  static ModelSpec spec;
  static TransformerModel model;
  static TextTokenizer tok;
  static List<Sample> samples;
  static List<TokenizedSample> tokenized;

  static final int K = 60;
  static final long SEED = 7;

  /** Tiny rows are 384 bytes: this bound makes summaries split into several chunks. */
  static final int SMALL_BOUND = 2_000;

  @BeforeAll
  static void setUp() throws Exception {
    spec = TinyModels.bertSpec(2, 16, 4, 32);
    model = TransformerModel.build(spec, TinyModels.randomWeights(spec, 5), null);
    tok = TinyModels.tokenizer(tmp);
    samples = TinyModels.samples(40, 3, 1, 20);
    tokenized = new ArrayList<>();
    for (Sample s : samples) {
      var t = tok.encode(List.of(s.text()), null, spec.maxPositions());
      tokenized.add(new TokenizedSample(s.id(), t.inputIds(), t.tokenTypeIds()));
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    model.close();
    tok.close();
  }

  /** n samples that share a padded length, and that length. */
  static List<TokenizedSample> sameLength(int n, int paddedLength) {
    List<TokenizedSample> out =
        tokenized.stream()
            .filter(t -> Summaries.paddedLength(t.length(), config()) == paddedLength)
            .limit(n)
            .toList();
    assertEquals(n, out.size(), n + " samples of padded length " + paddedLength);
    return out;
  }

  static SummaryConfig config() {
    return Summaries.config("sst2", spec, SEED, K);
  }

  /**
   * What a set of profiler instances publishes: the samples shuffled, dealt round-robin to {@code
   * builders} streaming builders, each taking its share {@code batchSize} samples at a time and
   * summarising those of each padded length as one batch (its runs of the configuration's rows) or,
   * with {@code polls}, each "poll" of them as one batch.
   */
  static List<ActivationSummary> stream(
      SummaryConfig c, int builders, int batchSize, int maxBytes, long shuffle, boolean polls) {
    List<TokenizedSample> order = new ArrayList<>(tokenized);
    Collections.shuffle(order, new Random(shuffle));
    List<List<TokenizedSample>> shares = new ArrayList<>();
    for (int b = 0; b < builders; b++) {
      shares.add(new ArrayList<>());
    }
    for (int i = 0; i < order.size(); i++) {
      shares.get(i % builders).add(order.get(i));
    }
    List<ActivationSummary> out = new ArrayList<>();
    for (List<TokenizedSample> share : shares) {
      SummaryBuilder b = new SummaryBuilder(c, maxBytes);
      if (polls) {
        for (int from = 0; from < share.size(); from += batchSize) {
          List<TokenizedSample> poll =
              share.subList(from, Math.min(share.size(), from + batchSize));
          out.addAll(Positions.of(b.profile(model, ProfileBatch.group(poll, c, tok.padId()))));
        }
      } else {
        for (int from = 0; from < share.size(); from += batchSize) {
          List<TokenizedSample> part =
              share.subList(from, Math.min(share.size(), from + batchSize));
          Map<Integer, List<ProfileBatch>> byLength = new java.util.TreeMap<>();
          for (ProfileBatch run : ProfileBatch.group(part, c, tok.padId())) {
            byLength.computeIfAbsent(run.tokens().seqLen(), k -> new ArrayList<>()).add(run);
          }
          for (List<ProfileBatch> runs : byLength.values()) {
            out.addAll(Positions.of(b.profile(model, runs)));
          }
        }
      }
    }
    return out;
  }

  static List<ActivationSummary> stream(
      SummaryConfig c, int builders, int batchSize, int maxBytes, long shuffle) {
    return stream(c, builders, batchSize, maxBytes, shuffle, false);
  }

  static SummaryState merge(SummaryConfig c, List<ActivationSummary> records) {
    SummaryState s = new SummaryState(c);
    records.forEach(s::merge);
    return s;
  }

  static List<ActivationSummary> shuffled(List<ActivationSummary> records, long seed) {
    List<ActivationSummary> r = new ArrayList<>(records);
    Collections.shuffle(r, new Random(seed));
    return r;
  }

  /** The state's bytes without the batch positions, which record how samples were grouped. */
  static byte[] content(SummaryState s) {
    return s.toProto().toBuilder()
        .clearSources()
        .clearOpen()
        .clearBatchesSeen()
        .build()
        .toByteArray();
  }

  static void assertSameFeatures(ActivationFeatures want, ActivationFeatures got) {
    FeatureAsserts.assertSameFeatures(want, got);
  }

  @Test
  void mergeIsOrderIndependentBitForBit() {
    SummaryConfig c = config();
    List<ActivationSummary> records = stream(c, 3, 5, SMALL_BOUND, 1);
    assertTrue(records.stream().anyMatch(r -> r.getChunks() > 2), "some summaries are chunked");
    byte[] inOrder = merge(c, records).toProto().toByteArray();
    for (long seed = 0; seed < 5; seed++) {
      SummaryState s = merge(c, shuffled(records, seed));
      assertArrayEquals(inOrder, s.toProto().toByteArray(), "merge order " + seed);
      assertTrue(s.complete());
    }
    // The same samples batched otherwise, by other builders and in one big batch per length:
    // same rows and statistics, bit for bit; only the recorded grouping differs.
    SummaryState a = merge(c, records);
    SummaryState other = merge(c, shuffled(stream(c, 2, 7, SMALL_BOUND, 9, true), 4));
    SummaryState combined = merge(c, stream(c, 1, 40, 1 << 20, 0));
    assertArrayEquals(content(a), content(other));
    assertArrayEquals(content(a), content(combined));
    assertEquals(40, a.samples());
    assertEquals(K, a.sampledTokens());
    assertSameFeatures(a.toFeatures(), combined.toFeatures());
  }

  @Test
  void streamingFeaturesEqualTheBatchCommandsBitForBit() {
    ActivationFeatures batch =
        FeatureCollector.collect(model, tok, samples, K, SEED, 8, System.err);
    List<ActivationSummary> records = shuffled(stream(config(), 4, 9, SMALL_BOUND, 2, true), 11);
    assertTrue(records.stream().anyMatch(r -> r.getSampleIdsCount() == 9), "polls of 9 samples");
    ActivationFeatures streamed = merge(config(), records).toFeatures();
    assertSameFeatures(batch, streamed);
    long tokens = tokenized.stream().mapToLong(TokenizedSample::length).sum();
    assertEquals(tokens, streamed.tokens());
    assertEquals(tokens / 40.0, streamed.meanLength());
  }

  /**
   * Three profilers: with the pruner's k-th key fed back, each sends only tokens below the stream's
   * k-th instead of below its own; the features stay the same.
   */
  @Test
  void feedingBackTheStatesKthKeySendsFewerRowsAndChangesNothing() {
    SummaryConfig c = config();
    List<ActivationSummary> plain = stream(c, 3, 4, 1 << 20, 8);
    List<TokenizedSample> order = new ArrayList<>(tokenized);
    Collections.shuffle(order, new Random(8));
    SummaryState s = new SummaryState(c);
    List<SummaryBuilder> builders =
        List.of(
            new SummaryBuilder(c, 1 << 20),
            new SummaryBuilder(c, 1 << 20),
            new SummaryBuilder(c, 1 << 20));
    int rows = 0;
    int turn = 0;
    for (ProfileBatch batch : ProfileBatch.group(order, c, tok.padId())) {
      for (ActivationSummary r : Positions.of(builders.get(turn++ % 3).profile(model, batch))) {
        rows += r.getRowsCount();
        s.merge(r);
      }
      s.kthKey().ifPresent(k -> builders.forEach(b -> b.tighten(k)));
    }
    int plainRows = plain.stream().mapToInt(ActivationSummary::getRowsCount).sum();
    assertTrue(rows < plainRows, rows + " rows with feedback, " + plainRows + " without");
    assertSameFeatures(merge(c, plain).toFeatures(), s.toFeatures());
    var wrongSeed = Key.of("s1", 0, SEED + 1).toProto();
    var e = assertThrows(IllegalArgumentException.class, () -> builders.get(0).tighten(wrongSeed));
    assertTrue(e.getMessage().contains("but seed 7 gives"), e.getMessage());
  }

  /** Salience is mean |activation| over all tokens, as a float64 reference sum computes it. */
  @Test
  void salienceIsTheMeanAbsoluteActivationOverAllTokens() {
    ActivationFeatures f = merge(config(), stream(config(), 1, 8, 1 << 20, 0)).toFeatures();
    double[] neuron = new double[32];
    double[] head = new double[4];
    long tokens = 0;
    for (TokenizedSample s : tokenized) {
      ProfileBatch b = ProfileBatch.of(List.of(s), s.length(), tok.padId());
      int[] all = new int[s.length()];
      Arrays.setAll(all, i -> i);
      Map<String, FloatTensor> out = model.profile(b.tokens(), all);
      float[] act = out.get(ProfileNames.activation(1)).data();
      float[] ctx = out.get(ProfileNames.context(1)).data();
      for (int t = 0; t < s.length(); t++) {
        for (int n = 0; n < 32; n++) {
          neuron[n] += Math.abs(act[t * 32 + n]);
        }
        for (int d = 0; d < 16; d++) {
          head[d / 4] += Math.abs(ctx[t * 16 + d]) / 4;
        }
      }
      tokens += s.length();
    }
    for (int n = 0; n < 32; n++) {
      // Unpadded profiling differs from padded in the last bits of each activation.
      assertEquals(
          neuron[n] / tokens, f.layers().get(1).neuronSalience()[n], 1e-5 * neuron[n] / tokens);
    }
    for (int h = 0; h < 4; h++) {
      assertEquals(head[h] / tokens, f.layers().get(1).headSalience()[h], 1e-5 * head[h] / tokens);
    }
  }

  @Test
  void redeliveryIsRecognisedAndChangesNothing() {
    SummaryConfig c = config();
    List<ActivationSummary> records = stream(c, 2, 5, SMALL_BOUND, 3);
    SummaryState s = merge(c, records);
    byte[] before = s.toProto().toByteArray();
    for (ActivationSummary r : records) {
      MergeResult m = s.merge(r);
      assertEquals(MergeResult.Outcome.REDELIVERED, m.outcome(), "chunk " + r.getChunk());
      assertEquals(0, m.rowsAdded());
    }
    assertArrayEquals(before, s.toProto().toByteArray());

    // A batch summarised again by another profiler (another threshold, other chunks) after a
    // failover: its statistics are not counted twice, and the features do not change.
    List<TokenizedSample> five = sameLength(5, 16);
    List<ProfileBatch> again = ProfileBatch.group(five, c, tok.padId());
    List<TokenizedSample> rest = new ArrayList<>(tokenized);
    rest.removeAll(five);
    SummaryState fresh = new SummaryState(c);
    Positions.of(new SummaryBuilder(c, SMALL_BOUND).profile(model, again)).forEach(fresh::merge);
    SummaryBuilder busy = new SummaryBuilder(c, SMALL_BOUND);
    for (ProfileBatch b : ProfileBatch.group(rest, c, tok.padId())) {
      Positions.of(busy.profile(model, b)).forEach(fresh::merge);
    }
    List<ActivationSummary> second = Positions.of(busy.profile(model, again));
    assertEquals(MergeResult.Outcome.REDELIVERED, fresh.merge(second.get(0)).outcome());
    second.forEach(fresh::merge);
    assertEquals(40, fresh.samples());
    assertSameFeatures(s.toFeatures(), fresh.toFeatures());
  }

  @Test
  void partialOverlapIsRefusedAndLeavesTheStateAlone() {
    SummaryConfig c = config();
    SummaryBuilder b = new SummaryBuilder(c, 1 << 20);
    SummaryState s = new SummaryState(c);
    List<TokenizedSample> three = sameLength(3, 16);
    List<TokenizedSample> first = List.of(three.get(0), three.get(1));
    BatchSource at = Summaries.source("samples/3", 10, 12);
    s.merge(Summaries.at(at, b.profile(model, ProfileBatch.group(first, c, tok.padId()))).get(0));
    byte[] before = s.toProto().toByteArray();
    List<TokenizedSample> overlapping = List.of(three.get(1), three.get(2));
    ActivationSummary shifted =
        Summaries.at(
                Summaries.source("samples/3", 11, 13),
                b.profile(model, ProfileBatch.group(overlapping, c, tok.padId())))
            .get(0);
    var e = assertThrows(IllegalArgumentException.class, () -> s.merge(shifted));
    assertTrue(
        e.getMessage()
            .contains(
                "at samples/3 [11, 13) overlaps the counted batch positions samples/3 [10, 12)"
                    + " without being the same range"),
        e.getMessage());
    assertArrayEquals(before, s.toProto().toByteArray());
    // Inside the counted positions: a redelivery, whatever it brings.
    ActivationSummary inside = shifted.toBuilder().setSource(at).build();
    assertEquals(MergeResult.Outcome.REDELIVERED, s.merge(inside).outcome());
    // The same samples at another source are another batch; no position at all is refused.
    ActivationSummary elsewhere =
        shifted.toBuilder().setSource(Summaries.source("samples/4", 10, 12)).build();
    assertEquals(MergeResult.Outcome.COUNTED, s.merge(elsewhere).outcome());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> s.merge(shifted.toBuilder().clearSource().build()));
    assertTrue(e.getMessage().contains("no source position (BatchSource)"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                s.merge(
                    shifted.toBuilder().setSource(Summaries.source("samples/4", 5, 5)).build()));
    assertTrue(e.getMessage().contains("samples/4 [5, 5) is empty"), e.getMessage());
  }

  @Test
  void recordsStayWithinTheBoundAndOversizeIsAnErrorNamingBothSizes() throws Exception {
    SummaryConfig c = config();
    for (ActivationSummary r : stream(c, 1, 40, SMALL_BOUND, 5)) {
      assertTrue(r.getSerializedSize() <= SMALL_BOUND, r.getSerializedSize() + " bytes");
    }
    // Room for the statistics but not for them and a row: chunk 0 carries statistics only.
    ProfileBatch batch = ProfileBatch.group(tokenized, c, tok.padId()).get(0);
    ActivationSummary whole =
        Positions.of(new SummaryBuilder(c, 1 << 20).profile(model, batch)).get(0);
    int tight = whole.toBuilder().clearRows().build().getSerializedSize() + 100;
    List<ActivationSummary> parts =
        Positions.of(new SummaryBuilder(c, tight).profile(model, batch));
    assertEquals(0, parts.get(0).getRowsCount());
    assertFalse(parts.get(0).hasCovers());
    for (ActivationSummary r : parts) {
      assertTrue(r.getSerializedSize() <= tight, r.getSerializedSize() + " > " + tight);
    }
    SummaryState a = new SummaryState(c);
    a.merge(whole);
    SummaryState b = new SummaryState(c);
    shuffled(parts, 1).forEach(b::merge);
    assertArrayEquals(content(a), content(b));

    var e =
        assertThrows(
            IllegalArgumentException.class, () -> new SummaryBuilder(c, 300).profile(model, batch));
    assertTrue(
        e.getMessage()
            .matches(
                "the statistics of one batch take \\d+ bytes in a summary"
                    + " record, more than the bound of 300 bytes.*"),
        e.getMessage());

    // Wide heads, few neurons: a row (1,152 bytes of values) outweighs the statistics.
    ModelSpec wide = TinyModels.bertSpec(1, 256, 4, 32);
    try (TransformerModel m =
        TransformerModel.build(wide, TinyModels.randomWeights(wide, 1), null)) {
      SummaryConfig cw = Summaries.config("sst2", wide, SEED, K);
      ProfileBatch bw = ProfileBatch.group(tokenized, cw, tok.padId()).get(0);
      ActivationSummary one = new SummaryBuilder(cw, 1 << 20).profile(m, bw).get(0);
      int bound = one.toBuilder().clearRows().build().getSerializedSize() + 600;
      e =
          assertThrows(
              IllegalArgumentException.class, () -> new SummaryBuilder(cw, bound).profile(m, bw));
      assertTrue(
          e.getMessage()
              .matches(
                  "one token row takes \\d+ bytes in a summary record"
                      + " \\(row 11\\d\\d bytes \\+ \\d+ bytes of header\\), more than the bound of "
                      + bound
                      + " bytes: raise the bound or use float16 rows"),
          e.getMessage());
    }
  }

  @Test
  void summariesOfAnotherModelOrSamplingAreRefused() {
    SummaryConfig c = config();
    ModelSpec pruned =
        spec.withLayers(
            List.of(
                spec.layers().get(0),
                new LayerSpec(new int[] {0, 1, 3}, spec.layers().get(1).keptNeurons())));
    SummaryState s = new SummaryState(Summaries.config("sst2", pruned, SEED, K));
    ActivationSummary r = stream(c, 1, 40, 1 << 20, 0).get(0);
    var e = assertThrows(IllegalArgumentException.class, () -> s.merge(r));
    assertTrue(
        e.getMessage().contains("does not belong to this stream: model 'tiny-random-bert'"),
        e.getMessage());
    assertTrue(
        e.getMessage().contains("heads [4, 4]") && e.getMessage().contains("heads [4, 3]"),
        e.getMessage());
    SummaryState otherSeed = new SummaryState(Summaries.config("sst2", spec, SEED + 1, K));
    e = assertThrows(IllegalArgumentException.class, () -> otherSeed.merge(r));
    assertTrue(e.getMessage().endsWith("seed 7, expected 8"), e.getMessage());
    SummaryState otherTask = new SummaryState(Summaries.config("cola", spec, SEED, K));
    e = assertThrows(IllegalArgumentException.class, () -> otherTask.merge(r));
    assertTrue(e.getMessage().endsWith("task 'sst2', expected 'cola'"), e.getMessage());
    SummaryState otherRuns = new SummaryState(Summaries.config("sst2", spec, SEED, K, 4));
    e = assertThrows(IllegalArgumentException.class, () -> otherRuns.merge(r));
    assertTrue(e.getMessage().endsWith("rows_per_run 8, expected 4"), e.getMessage());
    ActivationSummary older =
        r.toBuilder().setConfig(r.getConfig().toBuilder().clearRowsPerRun()).build();
    e = assertThrows(IllegalArgumentException.class, () -> new SummaryState(c).merge(older));
    assertTrue(e.getMessage().contains("rows_per_run 0, expected 8"), e.getMessage());
    var builder = new SummaryBuilder(Summaries.config("sst2", pruned, SEED, K), 1 << 20);
    ProfileBatch batch = ProfileBatch.group(tokenized, c, tok.padId()).get(0);
    e = assertThrows(IllegalArgumentException.class, () -> builder.profile(model, batch));
    assertTrue(e.getMessage().contains("is not the model this builder summarises"), e.getMessage());
  }

  @Test
  void stateRoundTripsThroughProtoAndKeepsMerging() throws Exception {
    SummaryConfig c = config();
    List<ActivationSummary> records = shuffled(stream(c, 2, 4, SMALL_BOUND, 6), 1);
    int half = records.size() / 2;
    SummaryState direct = merge(c, records);
    SummaryState partial = merge(c, records.subList(0, half));
    byte[] saved = partial.toProto().toByteArray();
    SummaryState restored = SummaryState.fromProto(ActivationState.parseFrom(saved));
    assertArrayEquals(saved, restored.toProto().toByteArray());
    records.subList(half, records.size()).forEach(restored::merge);
    assertArrayEquals(direct.toProto().toByteArray(), restored.toProto().toByteArray());
    for (ActivationSummary r : records) {
      assertEquals(r, ActivationSummary.parseFrom(r.toByteArray()));
    }
  }

  @Test
  void missingChunksAreReportedNotIgnored() {
    SummaryConfig c = config();
    List<ActivationSummary> records = stream(c, 1, 40, SMALL_BOUND, 0);
    assertTrue(records.size() > 3);
    List<ActivationSummary> lossy = new ArrayList<>(records);
    lossy.remove(1); // rows of the first batch
    SummaryState s = merge(c, lossy);
    assertFalse(s.complete());
    var e = assertThrows(IllegalStateException.class, s::toFeatures);
    // Later batches cannot be proven complete either: without the lost rows the k-th smallest
    // key held is larger than the thresholds they were cut at.
    assertTrue(
        e.getMessage()
            .matches(
                "\\d of 3 batches of task 'sst2' are incomplete \\(chunks missing\\): batch"
                    + " test-samples/0 \\[\\d+, \\d+\\) has token rows only up to .*, the"
                    + " sampled tokens reach .*"),
        e.getMessage());
    SummaryState noStats = merge(c, records.subList(1, records.size()));
    e = assertThrows(IllegalStateException.class, noStats::toFeatures);
    assertTrue(e.getMessage().contains("has no statistics (chunk 0)"), e.getMessage());
  }

  @Test
  void float16RowsAreTheFloat32RowsRounded() {
    SummaryConfig c16 =
        Summaries.config("sst2", spec, SEED, K, 8, RowEncoding.ROW_ENCODING_FLOAT16);
    ActivationFeatures f32 = merge(config(), stream(config(), 1, 8, 1 << 20, 0)).toFeatures();
    List<ActivationSummary> r16 = stream(c16, 2, 8, SMALL_BOUND, 0);
    ActivationFeatures f16 = merge(c16, shuffled(r16, 3)).toFeatures();
    for (int l = 0; l < 2; l++) {
      float[] a = f32.layers().get(l).neurons().data();
      float[] b = f16.layers().get(l).neurons().data();
      for (int i = 0; i < a.length; i++) {
        assertEquals(RowCodec.fromHalf(RowCodec.toHalf(a[i])), b[i]);
      }
      assertArrayEquals(f32.layers().get(l).neuronSalience(), f16.layers().get(l).neuronSalience());
    }
    long rows32 =
        stream(config(), 1, 40, 1 << 20, 0).stream()
            .mapToLong(r -> r.getRows(0).getValues().size())
            .findFirst()
            .orElseThrow();
    assertEquals(2 * (16 + 32) * 4, rows32);
    assertEquals(2 * (16 + 32) * 2, r16.get(0).getRows(0).getValues().size());
  }

  @Test
  void batchesMustBePaddedToTheSamplesOwnLength() {
    SummaryConfig c = config();
    TokenizedSample shortOne =
        tokenized.stream().filter(s -> s.length() <= 8).findFirst().orElseThrow();
    ProfileBatch overPadded = ProfileBatch.of(List.of(shortOne), 16, tok.padId());
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new SummaryBuilder(c, 1 << 20).positions(overPadded));
    assertTrue(
        e.getMessage().contains("is padded to 16, but summaries pad it to 8"), e.getMessage());
    SummaryBuilder b = new SummaryBuilder(c, 1 << 20);
    // A run must have the configuration's rows, with every sample in its own row.
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new SummaryBuilder(c, 1 << 20)
                    .positions(ProfileBatch.of(List.of(shortOne), 8, tok.padId())));
    assertTrue(
        e.getMessage()
            .endsWith(
                "has 1 rows, but summaries profile runs of 8 rows"
                    + " (rows_per_run): batch samples with ProfileBatch.group"),
        e.getMessage());
    int row = Summaries.row(shortOne.id(), c);
    List<TokenizedSample> misplaced = new ArrayList<>(Collections.nCopies(8, null));
    misplaced.set((row + 1) % 8, shortOne);
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new SummaryBuilder(c, 1 << 20)
                    .positions(ProfileBatch.of(misplaced, 8, tok.padId())));
    assertTrue(
        e.getMessage()
            .contains(
                "'"
                    + shortOne.id()
                    + "' is in row "
                    + (row + 1) % 8
                    + " of its run, but summaries profile it in row "
                    + row
                    + " (of 8)"),
        e.getMessage());
    ProfileBatch ok = ProfileBatch.group(List.of(shortOne), c, tok.padId()).get(0);
    assertEquals(8, ok.tokens().size());
    assertEquals(List.of(shortOne.id()), ok.sampleIds());
    int[] need = b.positions(ok);
    assertEquals(shortOne.length(), need.length, "the first k tokens are all needed");
    e = assertThrows(IllegalArgumentException.class, () -> b.positions(List.of(ok, ok)));
    assertTrue(
        e.getMessage().contains("must be non-empty and distinct: '" + shortOne.id() + "'"),
        e.getMessage());
    int[] fewer = Arrays.copyOf(need, need.length - 1);
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> b.add(ok, fewer, model.profile(ok.tokens(), fewer)));
    assertTrue(e.getMessage().contains("the profile was run without token"), e.getMessage());
  }

  /**
   * {@code n} batches after {@code real} (which fills the k sampled tokens): each the statistics of
   * {@code real}'s chunk 0 under new sample ids at the next positions of {@code partitions}
   * partitions, with no row below the k-th key (its range ends there), as a profiler told the k-th
   * key sends a batch none of whose tokens joins.
   */
  static List<ActivationSummary> followers(
      SummaryState after, ActivationSummary real, int n, int partitions) {
    TokenKey kth = after.kthKey().orElseThrow();
    int size = real.getSampleIdsCount();
    List<ActivationSummary> out = new ArrayList<>();
    for (int b = 0; b < n; b++) {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        ids.add(String.format("f%08d", b * size + i));
      }
      long first = 1_000L + (long) (b / partitions) * size;
      out.add(
          ActivationSummary.newBuilder()
              .setConfig(real.getConfig())
              .addAllSampleIds(ids)
              .setChunks(1)
              .setStatistics(real.getStatistics())
              .setCovers(KeyRange.newBuilder().setThrough(kth))
              .setSource(Summaries.source("samples/" + b % partitions, first, first + size))
              .build());
    }
    return out;
  }

  @Test
  void stateSizeDoesNotGrowWithTheBatchesMerged() {
    SummaryConfig c = config();
    List<ActivationSummary> records = stream(c, 1, 40, 1 << 20, 0);
    SummaryState base = merge(c, records);
    assertTrue(base.complete());
    List<ActivationSummary> many = followers(base, records.get(0), 10_000, 3);
    SummaryState small = merge(c, records);
    many.subList(0, 100).forEach(small::merge);
    SummaryState big = merge(c, records);
    many.forEach(big::merge);
    assertEquals(40 + 10_000L * records.get(0).getSampleIdsCount(), big.samples());
    assertTrue(big.complete());
    assertEquals(10_000 + records.size(), big.batches());
    // The first batches' ranges, then one range per partition, whatever the count.
    assertEquals(base.countedRanges() + 3, small.countedRanges());
    assertEquals(base.countedRanges() + 3, big.countedRanges());
    int smallBytes = small.toProto().getSerializedSize();
    int bigBytes = big.toProto().getSerializedSize();
    assertTrue(
        Math.abs(bigBytes - smallBytes) <= 64,
        "state after 100 batches " + smallBytes + " bytes, after 10,000 " + bigBytes);
    // A redelivery of any of them is still recognised, and changes nothing.
    byte[] before = big.toProto().toByteArray();
    for (int b : new int[] {0, 4_567, 9_999}) {
      assertEquals(MergeResult.Outcome.REDELIVERED, big.merge(many.get(b)).outcome());
    }
    assertArrayEquals(before, big.toProto().toByteArray());
  }

  @Test
  void positionsMergeInAnyOrderToTheSameBytes() {
    SummaryConfig c = config();
    List<ActivationSummary> records = stream(c, 1, 40, 1 << 20, 0);
    List<ActivationSummary> many = followers(merge(c, records), records.get(0), 300, 2);
    List<ActivationSummary> all = new ArrayList<>(records);
    all.addAll(many);
    int first = merge(c, records).countedRanges();
    byte[] inOrder = merge(c, all).toProto().toByteArray();
    for (long seed = 0; seed < 3; seed++) {
      // Gaps while shuffled; the same ranges once every batch arrived.
      SummaryState s = merge(c, shuffled(all, seed));
      assertArrayEquals(inOrder, s.toProto().toByteArray(), "order " + seed);
      assertEquals(first + 2, s.countedRanges());
    }
    SummaryState partial = merge(c, records);
    for (int b = 0; b < many.size(); b++) {
      if (b / 2 % 2 == 0) {
        partial.merge(many.get(b)); // every other batch of each partition: a gap after each
      }
    }
    assertEquals(first + 150, partial.countedRanges());
  }

  @Test
  void aStateOfTheOldFormatIsRefusedNamingIt() throws Exception {
    SummaryConfig c = config();
    ActivationState now = merge(c, stream(c, 1, 40, 1 << 20, 0)).toProto();
    assertEquals(SummaryState.FORMAT, now.getFormat());
    // Format 1: batches with their sample ids in field 2, no format field.
    byte[] oldBatch =
        com.google.protobuf.ByteString.copyFromUtf8("s1")
            .concat(com.google.protobuf.ByteString.copyFrom(new byte[] {0x10, 0x01}))
            .toByteArray();
    byte[] idField = new byte[oldBatch.length + 2];
    idField[0] = 0x0a; // field 1, length-delimited: "s1"
    idField[1] = 2;
    System.arraycopy(oldBatch, 0, idField, 2, oldBatch.length);
    ActivationState old =
        now.toBuilder()
            .clearFormat()
            .clearSources()
            .clearOpen()
            .clearBatchesSeen()
            .setUnknownFields(
                com.google.protobuf.UnknownFieldSet.newBuilder()
                    .addField(
                        2,
                        com.google.protobuf.UnknownFieldSet.Field.newBuilder()
                            .addLengthDelimited(com.google.protobuf.ByteString.copyFrom(idField))
                            .build())
                    .build())
            .build();
    ActivationState parsed = ActivationState.parseFrom(old.toByteArray());
    var e = assertThrows(IllegalArgumentException.class, () -> SummaryState.fromProto(parsed));
    assertTrue(
        e.getMessage()
            .startsWith(
                "state of task 'sst2' is in format 1 (batches listed by sample ids); this version"
                    + " reads format 2 (batches known by source position) only"),
        e.getMessage());
    assertTrue(e.getMessage().contains("delete the checkpoint"), e.getMessage());
    var later = now.toBuilder().setFormat(3).build();
    e = assertThrows(IllegalArgumentException.class, () -> SummaryState.fromProto(later));
    assertTrue(e.getMessage().contains("is in format 3;"), e.getMessage());
  }
}
