package org.ppruning.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.ppruning.catalog.ModelCatalog;
import org.ppruning.data.Sample;
import org.ppruning.data.Tasks;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.Imported;
import org.ppruning.importer.ModelSource;
import org.ppruning.model.CostModel;
import org.ppruning.model.UnitRemoval;
import org.ppruning.model.Weights;
import org.ppruning.pruning.Budget;
import org.ppruning.pruning.Rewrite;
import org.ppruning.pruning.clustering.LinkageMode;
import org.ppruning.pruning.run.Method;
import org.ppruning.pruning.run.PPruning;
import org.ppruning.pruning.run.SampleSelection;
import org.ppruning.summary.FeatureCollector;
import org.ppruning.summary.Summaries;
import org.ppruning.tokenize.TextTokenizer;

/**
 * P-pruning stage timings (run by {@code bench/prune MODEL}): profiles the sentiment samples once,
 * then plans, rewrites and exports with both linkage modes, printing each stage's seconds.
 */
public final class PruneBenchmark {
  public static void main(String[] args) throws Exception {
    String name = args.length > 0 ? args[0] : "bert-base-uncased";
    int samplesMax = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
    double keep = args.length > 2 ? Double.parseDouble(args[2]) : 0.5;
    ArtifactCache cache = ArtifactCache.fromEnvironment(System.getenv(), System.getProperties());
    // All 3,000 sentences (every split), the sample count the targets are stated for.
    List<Sample> samples =
        SampleSelection.atMost(Tasks.allSamples("sentiment", cache, System.err), samplesMax, 42);
    ModelSource src = ModelSource.fetch(ModelCatalog.get(name), cache, System.err);
    Imported imp = src.load(System.err);
    try (TransformerModel m =
            TransformerModel.build(imp.spec(), imp.weights(), imp.tokenizerJson());
        TextTokenizer tok = TextTokenizer.load(imp.tokenizerJson())) {
      long t0 = System.nanoTime();
      ActivationFeatures f =
          FeatureCollector.collect(
              m, tok, samples, 200, 42, Summaries.DEFAULT_ROWS_PER_RUN, System.err);
      double profile = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          "%s, %d samples (%d tokens), profile: %.1f s (%.1f samples/s)%n",
          name, f.samples(), f.tokens(), profile, f.samples() / profile);
      Weights w = imp.weights();
      int seqLen = (int) Math.round(f.meanLength());
      for (LinkageMode mode : new LinkageMode[] {LinkageMode.DIRECT, LinkageMode.REFERENCE}) {
        Budget b = new Budget(Budget.Kind.FLOPS, keep, 5, null, null, seqLen);
        PPruning.Result r =
            PPruning.plan(m.spec(), w, f, new PPruning.Config(Method.P_PRUNING, mode, b, 42));
        t0 = System.nanoTime();
        UnitRemoval.Pruned p = Rewrite.apply(m.spec(), w, r.plan(), Map.of("bench", true));
        double rewrite = (System.nanoTime() - t0) / 1e9;
        Path dir = Files.createTempDirectory("ppruning-bench-").resolve("m");
        t0 = System.nanoTime();
        try (TransformerModel small = TransformerModel.build(p.spec(), p.weights(), null)) {
          small.export(dir, false);
        }
        double export = (System.nanoTime() - t0) / 1e9;
        SpineBenchmark.deleteTree(dir.getParent());
        Map<String, Double> s = r.seconds();
        double total =
            s.values().stream().mapToDouble(Double::doubleValue).sum() + rewrite + export;
        System.out.printf(
            "%-9s distances %.2f s, clustering %.2f s, threshold %.3f s, selection"
                + " %.3f s, rewrite %.2f s, build+export %.2f s: total %.1f s; FLOPs kept %.4f,"
                + " heads %s%n",
            mode.name().toLowerCase(),
            s.get("distances"),
            s.get("clustering"),
            s.get("threshold"),
            s.get("selection"),
            rewrite,
            export,
            total,
            CostModel.encoderFlops(p.spec(), seqLen)
                / (double) CostModel.encoderFlops(m.spec(), seqLen),
            p.spec().headsPerLayer());
      }
    }
  }
}
