package org.ppruning.pruning.run;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.LayerSpec;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.UnitRemoval;
import org.ppruning.model.Weights;
import org.ppruning.pruning.Budget;
import org.ppruning.pruning.PruningPlan;
import org.ppruning.pruning.Rewrite;
import org.ppruning.pruning.compensation.Calibration;
import org.ppruning.pruning.compensation.Compensation;
import org.ppruning.pruning.compensation.CompensationSettings;
import org.ppruning.pruning.compensation.ProfiledRows;

/**
 * Steps 2-6 from features to a pruned model: plan ({@link PPruning}), rewrite ({@link Rewrite})
 * with the provenance recorded in the spec, export with its report. The batch command and the
 * pruner service both run this, so the same features and settings give the same model.
 *
 * @param base the model pruned
 * @param config the algorithm configuration used
 * @param result the plan and its thresholds and clusters
 * @param features what the plan was made from
 * @param pruned the smaller spec and weights
 * @param seconds stage timings (plan stages, rewrite; export once done)
 */
public record PruneRun(
    ModelSpec base,
    PPruning.Config config,
    PPruning.Result result,
    ActivationFeatures features,
    UnitRemoval.Pruned pruned,
    Map<String, Double> seconds) {

  /**
   * Plans and rewrites.
   *
   * @param data where the samples came from, recorded in the spec's provenance
   * @param seconds timings so far (say, load and profile); copied, then extended
   */
  public static PruneRun plan(
      ModelSpec spec,
      Weights weights,
      ActivationFeatures features,
      PruneSettings settings,
      String data,
      Map<String, Double> seconds) {
    return plan(
        spec,
        weights,
        features,
        settings,
        data,
        seconds,
        (Function<Planned, UnitRemoval.Pruned>) null);
  }

  /**
   * Plans, rewrites and compensates the kept units ({@link Compensation}); with {@code
   * compensation} null or mode none this is {@link #plan(ModelSpec, Weights, ActivationFeatures,
   * PruneSettings, String, Map)}. The compensation time is recorded as {@code compensation}.
   *
   * @param calibration the calibration tokens; required unless the mode is none
   */
  public static PruneRun plan(
      ModelSpec spec,
      Weights weights,
      ActivationFeatures features,
      PruneSettings settings,
      String data,
      Map<String, Double> seconds,
      CompensationSettings compensation,
      Calibration calibration) {
    boolean compensate =
        compensation != null && compensation.mode() != CompensationSettings.Mode.NONE;
    if (compensate && calibration == null) {
      throw new IllegalArgumentException(
          "compensation '" + compensation.mode().id() + "' needs calibration tokens");
    }
    return plan(
        spec,
        weights,
        features,
        settings,
        data,
        seconds,
        compensate
            ? prov ->
                Compensation.apply(
                    spec,
                    weights,
                    prov.plan(),
                    prov.values(),
                    compensation,
                    calibration,
                    System.err)
            : null);
  }

  /**
   * Plans, rewrites and compensates the kept units on rows profiled beforehand (the streaming
   * pruner: {@link Compensation#apply(ModelSpec, Weights, PruningPlan, Map, CompensationSettings,
   * ProfiledRows, java.io.PrintStream)}, fit {@code original}); with {@code compensation} null or
   * mode none this is {@link #plan(ModelSpec, Weights, ActivationFeatures, PruneSettings, String,
   * Map)}.
   */
  public static PruneRun plan(
      ModelSpec spec,
      Weights weights,
      ActivationFeatures features,
      PruneSettings settings,
      String data,
      Map<String, Double> seconds,
      CompensationSettings compensation,
      ProfiledRows rows) {
    boolean compensate =
        compensation != null && compensation.mode() != CompensationSettings.Mode.NONE;
    return plan(
        spec,
        weights,
        features,
        settings,
        data,
        seconds,
        compensate
            ? prov ->
                Compensation.apply(
                    spec, weights, prov.plan(), prov.values(), compensation, rows, null)
            : null);
  }

  /** The plan and provenance a compensation starts from. */
  private record Planned(PruningPlan plan, Map<String, Object> values) {}

  private static PruneRun plan(
      ModelSpec spec,
      Weights weights,
      ActivationFeatures features,
      PruneSettings settings,
      String data,
      Map<String, Double> seconds,
      Function<Planned, UnitRemoval.Pruned> compensate) {
    Map<String, Double> secs = new LinkedHashMap<>(seconds);
    PPruning.Config config = settings.config(features);
    PPruning.Result r = PPruning.plan(spec, weights, features, config);
    secs.putAll(r.seconds());
    long t0 = System.nanoTime();
    Map<String, Object> provenance = new LinkedHashMap<>();
    provenance.put("method", config.method().id());
    provenance.put("linkage", settings.linkageId());
    provenance.put(
        "budget",
        (settings.kind() == Budget.Kind.PARAMS ? "params" : "flops") + "-keep " + settings.keep());
    provenance.put("lambda", settings.lambda());
    provenance.put("seqLen", config.budget().seqLen());
    provenance.put(
        "thresholds", Map.of("heads", r.heads().threshold(), "neurons", r.neurons().threshold()));
    provenance.put("seed", settings.seed());
    provenance.put("samples", features.samples());
    provenance.put("sampledTokens", features.sampledTokens());
    provenance.put("data", data);
    provenance.put("parent", spec.source());
    UnitRemoval.Pruned pruned;
    if (compensate != null) {
      pruned = compensate.apply(new Planned(r.plan(), provenance));
      secs.put("compensation", seconds(t0));
    } else {
      pruned = Rewrite.apply(spec, weights, r.plan(), provenance);
      secs.put("rewrite", seconds(t0));
    }
    return new PruneRun(spec, config, r, features, pruned, secs);
  }

  /** The pruned layers: original (lineage) indices of the heads and neurons kept. */
  public List<LayerSpec> kept() {
    return pruned.spec().layers();
  }

  /**
   * Writes the pruned SavedModel (with {@code tokenizerJson} as an asset, if not null) and its
   * report ({@link PruningReport}) to {@code out}; returns the report.
   */
  public Map<String, Object> export(Path out, boolean force, Path tokenizerJson)
      throws IOException {
    long t0 = System.nanoTime();
    try (TransformerModel small =
        TransformerModel.build(pruned.spec(), pruned.weights(), tokenizerJson)) {
      small.export(out, force);
    }
    seconds.put("export", seconds(t0));
    return PruningReport.write(
        PruningReport.build(base, pruned.spec(), config, result, features, seconds), out);
  }

  static double seconds(long t0) {
    return Math.round((System.nanoTime() - t0) / 1e7) / 100.0;
  }
}
