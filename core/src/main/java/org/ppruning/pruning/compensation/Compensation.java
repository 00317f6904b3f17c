package org.ppruning.pruning.compensation;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ppruning.data.Sample;
import org.ppruning.graph.ProfileNames;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelLayout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.UnitRemoval;
import org.ppruning.model.Weights;
import org.ppruning.pruning.PruningPlan;
import org.ppruning.pruning.Rewrite;
import org.ppruning.summary.SampleEncoding;
import org.ppruning.summary.TokenizedSample;
import org.ppruning.tokenize.TextTokenizer;

/**
 * Step 6 with compensation: removes the dropped units layer by layer, bottom up, and gives each
 * layer's output projection (attention output rows of the kept heads, FFN second-matrix rows of the
 * kept neurons, and both biases) the values that best reproduce the full layer's output on
 * calibration tokens: ridge least squares towards the original rows ({@link LayerFit}), or only the
 * bias shift (the dropped units' mean contribution). The maths is in docs/pruning.md.
 */
public final class Compensation {
  private Compensation() {}

  /** Calibration tokens from samples, encoded as the profiler encodes them. */
  public static Calibration calibration(
      TextTokenizer tok, List<Sample> samples, ModelSpec spec, int rows) {
    return calibration(tok, samples, spec, rows, null);
  }

  /**
   * Calibration tokens from samples, encoded as the profiler encodes them, then masked by {@code
   * mask} ({@link CalibrationMask#of}; null: unmasked).
   */
  public static Calibration calibration(
      TextTokenizer tok, List<Sample> samples, ModelSpec spec, int rows, CalibrationMask mask) {
    List<TokenizedSample> enc = new ArrayList<>(samples.size());
    for (Sample s : samples) {
      enc.add(SampleEncoding.encode(tok, s, spec.maxPositions(), false).sample());
    }
    return Calibration.of(enc, rows, tok.padId(), mask);
  }

  /**
   * Removes the plan's dropped units from {@code weights} and compensates the kept ones.
   *
   * @param provenance recorded under {@code metadata.pruning} (a {@code compensation} entry is
   *     added)
   * @param progress one line per layer, or null
   */
  public static UnitRemoval.Pruned apply(
      ModelSpec spec,
      Weights weights,
      PruningPlan plan,
      Map<String, Object> provenance,
      CompensationSettings settings,
      Calibration cal,
      PrintStream progress) {
    if (settings.mode() == CompensationSettings.Mode.NONE) {
      return none(spec, weights, plan, provenance);
    }
    CompensationSettings.Fit fit = settings.fit();
    try (TransformerModel original =
        fit == CompensationSettings.Fit.SEQUENTIAL
            ? null
            : TransformerModel.build(spec, weights, null)) {
      Feeder feed =
          (lf, i, heads, curSpec, cur) -> {
            String capture = heads ? ProfileNames.context(i) : ProfileNames.activation(i);
            TransformerModel own =
                fit == CompensationSettings.Fit.ORIGINAL
                    ? null
                    : TransformerModel.build(curSpec, cur, null);
            try {
              TransformerModel in = own != null ? own : original;
              for (int b = 0; b < cal.batches().size(); b++) {
                int[] pos = cal.positions().get(b);
                if (pos.length == 0) {
                  continue;
                }
                FloatTensor x =
                    in.capture(cal.batches().get(b), pos, List.of(capture)).get(capture);
                FloatTensor t =
                    fit == CompensationSettings.Fit.SEQUENTIAL_TO_ORIGINAL
                        ? original.capture(cal.batches().get(b), pos, List.of(capture)).get(capture)
                        : null;
                lf.add(x, t);
              }
            } finally {
              if (own != null) {
                own.close();
              }
            }
          };
      Map<String, Object> calInfo = new LinkedHashMap<>();
      if (cal.mask() != null) {
        Map<String, Object> m = cal.mask().provenance();
        m.put("maskedRows", cal.maskedRows());
        calInfo.put("mask", m);
      }
      return compensate(
          spec, weights, plan, provenance, settings, cal.rows(), calInfo, feed, progress);
    }
  }

  /**
   * Removes the plan's dropped units and compensates the kept ones on rows profiled beforehand (the
   * streaming pruner's summaries): fit {@code original}, since the rows are the unpruned model's
   * activations.
   *
   * @throws IllegalArgumentException if the fit is not {@code original}, there are no rows, or the
   *     rows were profiled on a model of other widths
   */
  public static UnitRemoval.Pruned apply(
      ModelSpec spec,
      Weights weights,
      PruningPlan plan,
      Map<String, Object> provenance,
      CompensationSettings settings,
      ProfiledRows rows,
      PrintStream progress) {
    if (settings.mode() == CompensationSettings.Mode.NONE) {
      return none(spec, weights, plan, provenance);
    }
    if (settings.fit() != CompensationSettings.Fit.ORIGINAL) {
      throw new IllegalArgumentException(
          "compensation on profiled rows fits each layer on the original model's activations:"
              + " fit must be 'original', got '"
              + settings.fit().id()
              + "'");
    }
    if (rows.size() == 0) {
      throw new IllegalArgumentException(
          "compensation '" + settings.mode().id() + "' has no profiled rows to fit on");
    }
    if (!rows.spec().headsPerLayer().equals(spec.headsPerLayer())
        || !rows.spec().ffnPerLayer().equals(spec.ffnPerLayer())
        || rows.spec().headSize() != spec.headSize()) {
      throw new IllegalArgumentException(
          "profiled rows are of a model with heads "
              + rows.spec().headsPerLayer()
              + " and neurons "
              + rows.spec().ffnPerLayer()
              + ", the model pruned has "
              + spec.headsPerLayer()
              + " and "
              + spec.ffnPerLayer());
    }
    Feeder feed =
        (lf, i, heads, curSpec, cur) -> {
          for (int from = 0; from < rows.size(); from += ProfiledRows.SLICE) {
            lf.add(
                rows.slice(i, heads, from, Math.min(rows.size(), from + ProfiledRows.SLICE)), null);
          }
        };
    return compensate(
        spec, weights, plan, provenance, settings, rows.size(), Map.of(), feed, progress);
  }

  /** Adds one layer projection's regression rows to a fit. */
  @FunctionalInterface
  private interface Feeder {
    /**
     * @param heads the attention output projection (else the FFN second matrix)
     * @param curSpec the model pruned and compensated below layer {@code layer}
     */
    void feed(LayerFit lf, int layer, boolean heads, ModelSpec curSpec, Weights cur);
  }

  private static UnitRemoval.Pruned none(
      ModelSpec spec, Weights weights, PruningPlan plan, Map<String, Object> provenance) {
    Map<String, Object> prov = new LinkedHashMap<>(provenance);
    prov.put("compensation", Map.of("mode", "none"));
    return Rewrite.apply(spec, weights, plan, prov);
  }

  private static UnitRemoval.Pruned compensate(
      ModelSpec spec,
      Weights weights,
      PruningPlan plan,
      Map<String, Object> provenance,
      CompensationSettings settings,
      int rows,
      Map<String, Object> calibration,
      Feeder feed,
      PrintStream progress) {
    Map<String, Object> prov = new LinkedHashMap<>(provenance);
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("mode", settings.mode().id());
    c.put("fit", settings.fit().id());
    c.put("rows", rows);
    if (settings.mode() == CompensationSettings.Mode.LEAST_SQUARES) {
      c.put("ridge", settings.ridge());
    }
    c.putAll(calibration);
    prov.put("compensation", c);
    double ridge =
        settings.mode() == CompensationSettings.Mode.BIAS
            ? Double.POSITIVE_INFINITY
            : settings.ridge();
    CompensationSettings.Fit fit = settings.fit();
    List<int[]> dropH = plan.dropHeads(spec);
    List<int[]> dropN = plan.dropNeurons(spec);
    int layers = spec.numLayers();
    ModelSpec curSpec = spec;
    Weights cur = weights;
    for (int i = 0; i < layers; i++) {
      long t0 = System.nanoTime();
      for (boolean heads : new boolean[] {true, false}) {
        int[] drop = (heads ? dropH : dropN).get(i);
        if (drop.length == 0) {
          continue;
        }
        int units = heads ? spec.layers().get(i).heads() : spec.layers().get(i).ffn();
        int unitWidth = heads ? spec.headSize() : 1;
        int[] keep =
            columns(
                UnitRemoval.complement(drop, units, "layer " + i + " dropped units"), unitWidth);
        ModelLayout.Projection proj =
            heads
                ? ModelLayout.of(curSpec).attentionProjection(i)
                : ModelLayout.of(curSpec).ffnProjection(i);
        LayerFit.Solution sol;
        try (LayerFit lf =
            new LayerFit(
                cur.get(proj.kernel()),
                keep,
                fit != CompensationSettings.Fit.SEQUENTIAL_TO_ORIGINAL)) {
          feed.feed(lf, i, heads, curSpec, cur);
          sol = lf.solve(ridge, cur.get(proj.bias()));
        }
        List<int[]> none = new ArrayList<>();
        List<int[]> only = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
          none.add(new int[0]);
          only.add(l == i ? drop : new int[0]);
        }
        UnitRemoval.Pruned p =
            heads
                ? UnitRemoval.remove(curSpec, cur, only, none)
                : UnitRemoval.remove(curSpec, cur, none, only);
        p.weights().replace(proj.kernel(), sol.rows());
        p.weights().replace(proj.bias(), sol.bias());
        curSpec = p.spec();
        cur = p.weights();
      }
      if (progress != null) {
        progress.printf(
            "compensation (%s, %s): layer %d of %d, %.1f s%n",
            settings.mode().id(), fit.id(), i + 1, layers, (System.nanoTime() - t0) / 1e9);
      }
    }
    return new UnitRemoval.Pruned(curSpec.withMetadata("pruning", prov), cur);
  }

  /** Unit indices to the input columns they own ({@code width} columns per unit). */
  static int[] columns(int[] units, int width) {
    int[] out = new int[units.length * width];
    for (int u = 0; u < units.length; u++) {
      for (int j = 0; j < width; j++) {
        out[u * width + j] = units[u] * width + j;
      }
    }
    return out;
  }
}
