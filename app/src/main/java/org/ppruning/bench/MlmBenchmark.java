package org.ppruning.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.ppruning.catalog.ModelCatalog;
import org.ppruning.data.Sample;
import org.ppruning.data.SplitData;
import org.ppruning.data.Tasks;
import org.ppruning.data.TextDocument;
import org.ppruning.eval.MaskedLm;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.Precision;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.Imported;
import org.ppruning.importer.ModelSource;
import org.ppruning.model.CostModel;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.UnitRemoval;
import org.ppruning.model.Weights;
import org.ppruning.pruning.Budget;
import org.ppruning.pruning.PruningPlan;
import org.ppruning.pruning.Rewrite;
import org.ppruning.pruning.clustering.LinkageMode;
import org.ppruning.pruning.compensation.Calibration;
import org.ppruning.pruning.compensation.CalibrationMask;
import org.ppruning.pruning.compensation.Compensation;
import org.ppruning.pruning.compensation.CompensationSettings;
import org.ppruning.pruning.run.Method;
import org.ppruning.pruning.run.PPruning;
import org.ppruning.pruning.run.SampleSelection;
import org.ppruning.summary.FeatureCollector;
import org.ppruning.summary.Summaries;
import org.ppruning.tokenize.TextTokenizer;

/**
 * Retraining-free masked-LM table (run by {@code bench/mlm}): profiles the model once on the
 * sentiment train split (the {@code prune} defaults), plans P-pruning at several FLOPs budgets and
 * random and weight-magnitude pruning at exactly P-pruning's per-layer widths, and measures MLM
 * top-1 accuracy (15% of tokens masked) on held-out sentences: the sentiment dev and test splits
 * (never profiled) and sentences of the State of the Union test addresses.
 *
 * <p>Compensation rows: P-pruning's plan rewritten with each compensation arm ({@link
 * Compensation}), calibrated on the first ROWS tokens of the profiled samples (never the held-out
 * sentences); an arm ending in {@code /maskF} calibrates on those samples with a share F of their
 * tokens replaced by [MASK] as the evaluation masks ({@link CalibrationMask}, seed 42), and {@code
 * /maskFxW} also counts each [MASK] row W times in the regression.
 *
 * <p>Arguments: MODEL (bert-base-uncased), SOTU_SENTENCES (600), LINKAGE (reference), KEEPS
 * (0.7,0.6,0.5), ARMS (least-squares/sequential: comma-separated {@code
 * MODE[/FIT[/RIDGE[/maskF[xW]]]]}, or {@code none}), BASELINES (yes: random and weight-magnitude
 * rows), ROWS (8192 calibration tokens); KEEPS {@code none} measures the unpruned row only. System
 * property {@code skipFull=true} skips the unpruned row (51.2% for bert-base-uncased in
 * docs/results.md); {@code precision=bf16} evaluates every model in bfloat16 ({@link Precision},
 * needs {@code TF_ENABLE_ONEDNN_OPTS=1}); profiling and calibration stay in fp32.
 */
public final class MlmBenchmark {
  private static final long SEED = 42;
  private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+(?=[\"'A-Z])");

  public static void main(String[] args) throws Exception {
    String name = args.length > 0 ? args[0] : "bert-base-uncased";
    int sotuMax = args.length > 1 ? Integer.parseInt(args[1]) : 600;
    LinkageMode linkage =
        args.length > 2 && args[2].equals("direct") ? LinkageMode.DIRECT : LinkageMode.REFERENCE;
    double[] keeps =
        args.length <= 3
            ? new double[] {0.7, 0.6, 0.5}
            : args[3].equals("none")
                ? new double[0]
                : java.util.Arrays.stream(args[3].split(","))
                    .mapToDouble(Double::parseDouble)
                    .toArray();
    Precision precision = Precision.parse(System.getProperty("precision", "fp32"), "-Dprecision");
    List<Arm> arms =
        arms(
            args.length > 4 ? args[4] : "least-squares/sequential",
            args.length > 6 ? Integer.parseInt(args[6]) : CompensationSettings.DEFAULT_ROWS);
    boolean baselines = args.length <= 5 || !args[5].equals("no");
    ArtifactCache cache = ArtifactCache.fromEnvironment(System.getenv(), System.getProperties());
    SplitData<Sample> sentiment = Tasks.splits("sentiment", cache, System.err);
    List<Sample> profileSet = SampleSelection.atMost(sentiment.train(), 3000, SEED);
    List<String> heldSentiment = new ArrayList<>();
    sentiment.dev().forEach(s -> heldSentiment.add(s.text()));
    sentiment.test().forEach(s -> heldSentiment.add(s.text()));
    List<String> heldSotu =
        sotuSentences(Tasks.documents("sotu", cache, System.err).test(), sotuMax);

    ModelSource src = ModelSource.fetch(ModelCatalog.get(name), cache, System.err);
    Imported imp = src.load(System.err);
    Weights w = imp.weights();
    ModelSpec spec = imp.spec();
    try (TextTokenizer tok = TextTokenizer.load(imp.tokenizerJson())) {
      MaskedLm.Masked setA = MaskedLm.mask(tok, heldSentiment, 0.15, SEED, 128);
      MaskedLm.Masked setB = MaskedLm.mask(tok, heldSotu, 0.15, SEED, 128);
      System.out.printf(
          "%s; held out: sentiment dev+test %d sentences (%d masked tokens), SOTU"
              + " test %d sentences (%d masked tokens); profiled: sentiment train %d sentences%n",
          name,
          setA.sentences(),
          setA.maskedTokens(),
          setB.sentences(),
          setB.maskedTokens(),
          profileSet.size());
      System.out.printf("precision of every evaluated model: %s%n", precision.id());
      if (Boolean.getBoolean("skipFull")) {
        System.out.println("full             (row skipped: -DskipFull=true)");
      } else {
        try (TransformerModel m = TransformerModel.build(spec, w, null, precision)) {
          row("full", "-", 1.0, spec, m, tok, setA, setB);
        }
      }
      if (keeps.length == 0) {
        return;
      }
      ActivationFeatures f;
      long t0 = System.nanoTime();
      try (TransformerModel m = TransformerModel.build(spec, w, imp.tokenizerJson())) {
        f =
            FeatureCollector.collect(
                m, tok, profileSet, 200, SEED, Summaries.DEFAULT_ROWS_PER_RUN, System.err);
        System.out.printf(
            "profile (fp32): %.1f s, %d tokens, mean length %.1f%n",
            (System.nanoTime() - t0) / 1e9, f.tokens(), f.meanLength());
      }
      int seqLen = (int) Math.round(f.meanLength());
      Map<String, Calibration> cals = new java.util.HashMap<>();
      for (Arm arm : arms) {
        cals.computeIfAbsent(
            arm.maskLabel(),
            k ->
                Compensation.calibration(
                    tok,
                    profileSet,
                    spec,
                    arm.settings().rows(),
                    CalibrationMask.of(spec, tok, arm.mask(), SEED, arm.weight())));
      }
      for (double keep : keeps) {
        Budget b = new Budget(Budget.Kind.FLOPS, keep, 5, null, null, seqLen);
        t0 = System.nanoTime();
        PPruning.Result r =
            PPruning.plan(spec, w, f, new PPruning.Config(Method.P_PRUNING, linkage, b, SEED));
        System.err.printf("plan %.2f: %.1f s%n", keep, (System.nanoTime() - t0) / 1e9);
        int[] heads = r.plan().headsPerLayer().stream().mapToInt(Integer::intValue).toArray();
        int[] neurons = r.plan().ffnPerLayer().stream().mapToInt(Integer::intValue).toArray();
        for (Arm a : arms) {
          CompensationSettings arm = a.settings();
          Calibration cal = cals.get(a.maskLabel());
          t0 = System.nanoTime();
          UnitRemoval.Pruned p =
              Compensation.apply(
                  spec, w, r.plan(), Map.of("method", "p-pruning"), arm, cal, System.err);
          double secs = (System.nanoTime() - t0) / 1e9;
          try (TransformerModel small =
              TransformerModel.build(p.spec(), p.weights(), null, precision)) {
            double kept =
                CostModel.encoderFlops(p.spec(), seqLen)
                    / (double) CostModel.encoderFlops(spec, seqLen);
            String label =
                "p+"
                    + (arm.mode() == CompensationSettings.Mode.BIAS ? "bias" : "ls")
                    + "/"
                    + arm.fit().id()
                    + (arm.mode() == CompensationSettings.Mode.LEAST_SQUARES
                        ? "/" + arm.ridge()
                        : "")
                    + a.maskLabel();
            row(label, String.format("%.2f", keep), kept, p.spec(), small, tok, setA, setB);
            System.out.printf(
                "  (%s: %d calibration rows, %d of them [MASK], compensation %.1f s)%n",
                label, cal.rows(), cal.maskedRows(), secs);
          }
        }
        for (Method method :
            baselines
                ? new Method[] {Method.P_PRUNING, Method.RANDOM, Method.WEIGHT_MAGNITUDE}
                : new Method[] {Method.P_PRUNING}) {
          PruningPlan plan =
              method == Method.P_PRUNING
                  ? r.plan()
                  : PPruning.atWidths(spec, w, f, method, heads, neurons, SEED);
          if (!plan.headsPerLayer().equals(r.plan().headsPerLayer())
              || !plan.ffnPerLayer().equals(r.plan().ffnPerLayer())) {
            throw new IllegalStateException(method + " widths differ from P-pruning's");
          }
          UnitRemoval.Pruned p = Rewrite.apply(spec, w, plan, Map.of("method", method.id()));
          try (TransformerModel small =
              TransformerModel.build(p.spec(), p.weights(), null, precision)) {
            double kept =
                CostModel.encoderFlops(p.spec(), seqLen)
                    / (double) CostModel.encoderFlops(spec, seqLen);
            row(method.id(), String.format("%.2f", keep), kept, p.spec(), small, tok, setA, setB);
          }
        }
        System.out.printf(
            "  widths at %.2f: heads %s, FFN %s%n",
            keep, r.plan().headsPerLayer(), r.plan().ffnPerLayer());
      }
    }
  }

  private static void row(
      String method,
      String budget,
      double flopsKept,
      ModelSpec spec,
      TransformerModel m,
      TextTokenizer tok,
      MaskedLm.Masked a,
      MaskedLm.Masked b) {
    long t0 = System.nanoTime();
    MaskedLm.Accuracy x = MaskedLm.accuracy(m, a, 32, tok.padId());
    MaskedLm.Accuracy y = MaskedLm.accuracy(m, b, 32, tok.padId());
    MaskedLm.Accuracy all = new MaskedLm.Accuracy(x.correct() + y.correct(), x.total() + y.total());
    System.out.printf(
        "%-16s budget %-4s FLOPs kept %.3f  params %,11d  MLM top-1: sentiment"
            + " %.1f%%  SOTU %.1f%%  all %.1f%% (%d/%d)  [%.0f s]%n",
        method,
        budget,
        flopsKept,
        CostModel.totalParams(spec),
        100 * x.value(),
        100 * y.value(),
        100 * all.value(),
        all.correct(),
        all.total(),
        (System.nanoTime() - t0) / 1e9);
  }

  /**
   * One compensation arm.
   *
   * @param mask calibration mask fraction (0: unmasked)
   * @param weight times each [MASK] row counts in the regression (1: once)
   */
  record Arm(CompensationSettings settings, double mask, int weight) {
    String maskLabel() {
      return mask > 0 ? "/mask" + mask + (weight > 1 ? "x" + weight : "") : "";
    }
  }

  /**
   * Arms {@code MODE[/FIT[/RIDGE[/maskF[xW]]]]}, comma-separated ({@code xW}: each [MASK] row
   * counted W times); {@code none}: no compensation rows.
   */
  static List<Arm> arms(String spec, int rows) {
    List<Arm> out = new ArrayList<>();
    if (spec.equals("none")) {
      return out;
    }
    for (String a : spec.split(",")) {
      String[] p = a.split("/");
      if (p.length > 4 || (p.length == 4 && !p[3].matches("mask[0-9.eE-]+(x[0-9]+)?"))) {
        throw new IllegalArgumentException(
            "arm '"
                + a
                + "': expected MODE[/FIT[/RIDGE[/maskF[xW]]]], e.g. least-squares/sequential"
                + "/1e-2/mask0.15 or .../mask0.15x4");
      }
      String[] m = p.length > 3 ? p[3].substring("mask".length()).split("x") : new String[0];
      out.add(
          new Arm(
              new CompensationSettings(
                  CompensationSettings.Mode.of(p[0]),
                  p.length > 1
                      ? CompensationSettings.Fit.of(p[1])
                      : CompensationSettings.DEFAULT_FIT,
                  rows,
                  p.length > 2 ? Double.parseDouble(p[2]) : CompensationSettings.DEFAULT_RIDGE),
              m.length > 0 ? Double.parseDouble(m[0]) : 0,
              m.length > 1 ? Integer.parseInt(m[1]) : 1));
    }
    return out;
  }

  /** Sentences of 8 to 40 words from the documents, a seeded sample of at most {@code max}. */
  static List<String> sotuSentences(List<TextDocument> docs, int max) {
    List<String> out = new ArrayList<>();
    for (TextDocument d : docs) {
      for (String s : SENTENCE_END.split(d.text().replaceAll("\\s+", " "))) {
        int words = s.strip().split(" ").length;
        if (words >= 8 && words <= 40) {
          out.add(s.strip());
        }
      }
    }
    Collections.shuffle(out, new Random(SEED));
    return out.subList(0, Math.min(max, out.size()));
  }
}
