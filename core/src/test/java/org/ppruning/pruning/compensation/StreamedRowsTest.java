package org.ppruning.pruning.compensation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelLayout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TinyModels;
import org.ppruning.model.Weights;
import org.ppruning.pruning.PruningPlan;
import org.ppruning.summary.ProfileBatch;
import org.ppruning.summary.Summaries;
import org.ppruning.summary.SummaryBuilder;
import org.ppruning.summary.SummaryState;
import org.ppruning.summary.TokenizedSample;
import org.ppruning.summary.proto.ActivationState;
import org.ppruning.summary.proto.ActivationSummary;
import org.ppruning.summary.proto.SummaryConfig;
import org.ppruning.testing.Positions;

/**
 * Compensation rows in activation summaries: the stream keeps the bottom-c tokens by key, merging
 * stays exact, the features do not change, memory is bounded by c, and a summary without rows is
 * read but gives compensation nothing to fit on.
 */
class StreamedRowsTest {
  static final long SEED = 11;
  static final int K = 20;
  static final int C = 150;

  static ModelSpec spec;
  static Weights weights;
  static TransformerModel model;
  static List<TokenizedSample> samples;

  @BeforeAll
  static void setUp() {
    spec = TinyModels.bertSpec(2, 16, 4, 32);
    weights = TinyModels.randomWeights(spec, 9);
    model = TransformerModel.build(spec, weights, null);
    samples = random(300, "s", 4);
  }

  @AfterAll
  static void tearDown() {
    model.close();
  }

  static List<TokenizedSample> random(int n, String prefix, long seed) {
    Random r = new Random(seed);
    List<TokenizedSample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int len = 1 + r.nextInt(20);
      int[] ids = new int[len];
      for (int j = 0; j < len; j++) {
        ids[j] = 5 + r.nextInt(TinyModels.VOCAB.size() - 5);
      }
      out.add(new TokenizedSample(prefix + i, ids, new int[len]));
    }
    return out;
  }

  static SummaryConfig config(int rows) {
    return Summaries.withCompensationRows(Summaries.config("t", spec, SEED, K), rows);
  }

  /** One streaming builder over {@code part}, in polls of {@code poll}. */
  static List<ActivationSummary> stream(SummaryConfig c, List<TokenizedSample> part, int poll) {
    SummaryBuilder b = new SummaryBuilder(c, 4_000);
    List<ActivationSummary> out = new ArrayList<>();
    for (int from = 0; from < part.size(); from += poll) {
      List<TokenizedSample> p = part.subList(from, Math.min(part.size(), from + poll));
      out.addAll(Positions.of(b.profile(model, ProfileBatch.group(p, c, 0))));
    }
    return out;
  }

  static SummaryState merged(SummaryConfig c, List<ActivationSummary> records) {
    SummaryState s = new SummaryState(c);
    records.forEach(s::merge);
    return s;
  }

  @Test
  void mergedStreamsHoldAndSolveAsTheUnion() {
    List<TokenizedSample> part = samples.subList(0, 80);
    SummaryConfig c = config(C);
    // the union: one builder over all 80 samples
    SummaryState union = merged(c, stream(c, part, 16));
    // two profilers over halves, merged in reverse and interleaved order
    List<ActivationSummary> a = stream(c, part.subList(0, 40), 7);
    List<ActivationSummary> b = stream(c, part.subList(40, 80), 9);
    List<ActivationSummary> both = new ArrayList<>();
    for (int i = Math.max(a.size(), b.size()) - 1; i >= 0; i--) {
      if (i < b.size()) {
        both.add(b.get(i));
      }
      if (i < a.size()) {
        both.add(a.get(i));
      }
    }
    SummaryState m = merged(c, both);
    assertTrue(m.complete() && union.complete());
    assertEquals(C, union.compensationRows().size(), "80 samples hold more than C tokens");
    assertEquals(union.compensationRows().size(), m.compensationRows().size());
    for (int i = 0; i < C; i++) {
      assertArrayEquals(union.compensationRows().get(i), m.compensationRows().get(i), "row " + i);
    }
    // the regression solved on the merge equals the one solved on the union, and is optimal
    int[] keep = java.util.stream.IntStream.range(0, 32).filter(i -> i % 3 != 0).toArray();
    ModelLayout.Projection ffn = ModelLayout.of(spec).ffnProjection(1);
    LayerFit.Solution su = solve(new ProfiledRows(union.compensationRows(), spec), keep, ffn);
    LayerFit.Solution sm = solve(new ProfiledRows(m.compensationRows(), spec), keep, ffn);
    assertEquals(0, maxDiff(su.rows(), sm.rows()), 1e-6);
    assertEquals(0, maxDiff(su.bias(), sm.bias()), 1e-6);
    double g = gradient(new ProfiledRows(m.compensationRows(), spec), keep, ffn, sm);
    assertTrue(g < 1e-3, "normal equations hold at the solution: relative gradient " + g);
    float[] plainRows = new float[keep.length * 16];
    for (int i = 0; i < keep.length; i++) {
      System.arraycopy(weights.get(ffn.kernel()).data(), keep[i] * 16, plainRows, i * 16, 16);
    }
    LayerFit.Solution plain =
        new LayerFit.Solution(
            new FloatTensor(new long[] {keep.length, 16}, plainRows), weights.get(ffn.bias()));
    double g0 = gradient(new ProfiledRows(m.compensationRows(), spec), keep, ffn, plain);
    assertTrue(g0 > 100 * g, "plain removal is far from optimal: " + g0 + " vs " + g);
    System.out.printf("relative gradient: compensated %.2e, plain removal %.2e%n", g, g0);
  }

  static LayerFit.Solution solve(ProfiledRows rows, int[] keep, ModelLayout.Projection p) {
    try (LayerFit lf = new LayerFit(weights.get(p.kernel()), keep, true)) {
      for (int from = 0; from < rows.size(); from += 64) {
        lf.add(rows.slice(1, false, from, Math.min(rows.size(), from + 64)), null);
      }
      return lf.solve(CompensationSettings.DEFAULT_RIDGE, weights.get(p.bias()));
    }
  }

  /**
   * The ridge objective's gradient at the solution relative to its scale: with E = X_S K' + b' - (X
   * W + b), max |X_S^T E + n lambda (K' - W_S)| / max |X_S|^T |X W|, and the mean of E (bias).
   */
  static double gradient(
      ProfiledRows rows, int[] keep, ModelLayout.Projection p, LayerFit.Solution s) {
    FloatTensor x = rows.slice(1, false, 0, rows.size());
    float[] w = weights.get(p.kernel()).data();
    float[] b0 = weights.get(p.bias()).data();
    int n = rows.size();
    int width = 32;
    int d = 16;
    double[][] e = new double[n][d];
    double[][] y = new double[n][d];
    double diag = 0;
    for (int r = 0; r < n; r++) {
      for (int j = 0; j < d; j++) {
        for (int i = 0; i < width; i++) {
          y[r][j] += (double) x.data()[r * width + i] * w[i * d + j];
        }
        double kept = s.bias().data()[j];
        for (int i = 0; i < keep.length; i++) {
          kept += (double) x.data()[r * width + keep[i]] * s.rows().data()[i * d + j];
        }
        e[r][j] = kept - y[r][j] - b0[j];
      }
      for (int i : keep) {
        diag += (double) x.data()[r * width + i] * x.data()[r * width + i];
      }
    }
    double lambda = CompensationSettings.DEFAULT_RIDGE * diag / n / keep.length;
    double grad = 0;
    double scale = 0;
    for (int i = 0; i < keep.length; i++) {
      for (int j = 0; j < d; j++) {
        double gij = 0;
        double full = 0;
        for (int r = 0; r < n; r++) {
          gij += x.data()[r * width + keep[i]] * e[r][j];
          full += Math.abs(x.data()[r * width + keep[i]] * y[r][j]);
        }
        gij += n * lambda * (s.rows().data()[i * d + j] - w[keep[i] * d + j]);
        grad = Math.max(grad, Math.abs(gij));
        scale = Math.max(scale, full);
      }
    }
    double bias = 0;
    for (int j = 0; j < d; j++) {
      double sum = 0;
      for (int r = 0; r < n; r++) {
        sum += e[r][j];
      }
      bias = Math.max(bias, Math.abs(sum) / n);
    }
    return Math.max(grad / scale, bias);
  }

  static double maxDiff(FloatTensor a, FloatTensor b) {
    assertArrayEquals(a.shape(), b.shape());
    double m = 0;
    for (int i = 0; i < a.data().length; i++) {
      m = Math.max(m, Math.abs(a.data()[i] - b.data()[i]));
    }
    return m;
  }

  @Test
  void featuresAreTheSameWithCompensationRows() {
    List<TokenizedSample> part = new ArrayList<>(samples.subList(0, 60));
    ActivationFeatures plain = merged(config(0), stream(config(0), part, 10)).toFeatures();
    Collections.shuffle(part, new Random(2));
    SummaryState withRows = merged(config(C), stream(config(C), part, 13));
    assertEquals(C, withRows.sampledTokens());
    ActivationFeatures f = withRows.toFeatures();
    assertEquals(K, f.sampledTokens());
    assertEquals(plain.layers(), f.layers(), "bottom-K of the bottom-C rows are the same tokens");
    // the row layout: a profiled row's layer-0 context is the features' head activations
    ProfiledRows rows = new ProfiledRows(withRows.compensationRows(), spec);
    assertEquals(f.layers().get(0).heads(), rows.slice(0, true, 0, K));
    assertEquals(f.layers().get(1).neurons(), rows.slice(1, false, 0, K));
  }

  @Test
  void rowsStayBoundedBySetting() {
    SummaryConfig c = config(64);
    SummaryState s = new SummaryState(c);
    int max = 0;
    for (ActivationSummary r : stream(c, samples, 10)) {
      s.merge(r);
      max = Math.max(max, s.sampledTokens());
    }
    assertEquals(300, s.samples());
    assertTrue(s.tokens() > 2_000, "tokens " + s.tokens());
    assertEquals(64, max, "never more than max(k, compensation rows) rows");
    assertEquals(64, s.compensationRows().size());
    ActivationState p = s.toProto();
    assertEquals(64, p.getRowsCount());
    // compensation rows below k: k rows are kept, compensation uses the first c of them
    SummaryConfig small = Summaries.withCompensationRows(Summaries.config("t", spec, SEED, 40), 16);
    SummaryState t = merged(small, stream(small, samples.subList(0, 30), 10));
    assertEquals(40, t.sampledTokens());
    assertEquals(16, t.compensationRows().size());
    // fewer tokens than rows: compensation gets every token, and says how many
    SummaryState few = merged(config(C), stream(config(C), samples.subList(0, 5), 5));
    assertEquals(few.tokens(), few.compensationRows().size());
    assertTrue(few.tokens() < C);
    // a cap beyond the bound is refused by name
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Summaries.withCompensationRows(c, Summaries.MAX_COMPENSATION_ROWS + 1));
    assertTrue(e.getMessage().contains("compensation_rows must be in [0, 65536]"), e.getMessage());
  }

  @Test
  void summaryWithoutRowsIsReadAndCompensationSaysItLacksThem() throws Exception {
    SummaryConfig old = Summaries.config("t", spec, SEED, K); // what a profiler before writes
    List<ActivationSummary> records = stream(old, samples.subList(0, 30), 10);
    ActivationSummary reread = ActivationSummary.parseFrom(records.get(0).toByteArray());
    assertEquals(0, reread.getConfig().getCompensationRows());
    SummaryState s = merged(old, records);
    assertEquals(K, s.sampledTokens());
    assertEquals(List.of(), s.compensationRows());
    SummaryState back =
        SummaryState.fromProto(ActivationState.parseFrom(s.toProto().toByteArray()));
    assertEquals(s.toProto(), back.toProto());
    // a state that expects rows refuses the old summary, naming the field
    SummaryState wants = new SummaryState(config(C));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> wants.merge(records.get(0)));
    assertTrue(
        e.getMessage().contains("compensation_rows 0 (a summary without compensation rows"),
        e.getMessage());
    // compensating on a state without rows is an error, not a silent plain removal
    PruningPlan plan =
        new PruningPlan(
            List.of(new int[] {0, 1, 2}, new int[] {0, 1, 2, 3}),
            List.of(new int[] {0, 1, 2, 3}, new int[] {4, 5, 6}));
    CompensationSettings ls =
        new CompensationSettings(
            CompensationSettings.Mode.LEAST_SQUARES,
            CompensationSettings.Fit.ORIGINAL,
            C,
            CompensationSettings.DEFAULT_RIDGE);
    ProfiledRows none = new ProfiledRows(s.compensationRows(), spec);
    for (var bad :
        Map.of(
                ls,
                "no profiled rows to fit on",
                ls.withFit(CompensationSettings.Fit.SEQUENTIAL),
                "fit must be 'original'")
            .entrySet()) {
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> Compensation.apply(spec, weights, plan, Map.of(), bad.getKey(), none, null));
      assertTrue(e.getMessage().contains(bad.getValue()), e.getMessage());
    }
  }
}
