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
    List<TokenizedSample> enc = new ArrayList<>(samples.size());
    for (Sample s : samples) {
      enc.add(SampleEncoding.encode(tok, s, spec.maxPositions(), false).sample());
    }
    return Calibration.of(enc, rows, tok.padId());
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
    Map<String, Object> prov = new LinkedHashMap<>(provenance);
    if (settings.mode() == CompensationSettings.Mode.NONE) {
      prov.put("compensation", Map.of("mode", "none"));
      return Rewrite.apply(spec, weights, plan, prov);
    }
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("mode", settings.mode().id());
    c.put("fit", settings.fit().id());
    c.put("rows", cal.rows());
    if (settings.mode() == CompensationSettings.Mode.LEAST_SQUARES) {
      c.put("ridge", settings.ridge());
    }
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
    try (TransformerModel original =
        fit == CompensationSettings.Fit.SEQUENTIAL
            ? null
            : TransformerModel.build(spec, weights, null)) {
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
          String capture = heads ? ProfileNames.context(i) : ProfileNames.activation(i);
          LayerFit.Solution sol;
          try (LayerFit lf =
              new LayerFit(
                  cur.get(proj.kernel()),
                  keep,
                  fit != CompensationSettings.Fit.SEQUENTIAL_TO_ORIGINAL)) {
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
