package org.ppruning.pruning.run;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.features.LayerFeatures;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelLayout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.UnitTensor;
import org.ppruning.model.Weights;
import org.ppruning.pruning.Budget;
import org.ppruning.pruning.Distances;
import org.ppruning.pruning.PruningPlan;
import org.ppruning.pruning.Rewrite;
import org.ppruning.pruning.Selection;
import org.ppruning.pruning.ThresholdSearch;
import org.ppruning.pruning.clustering.Clustering;
import org.ppruning.pruning.clustering.Dendrogram;
import org.ppruning.pruning.clustering.DistanceMatrix;
import org.ppruning.pruning.clustering.LinkageMode;

/**
 * P-pruning (Wang et al., "Pruning before Fine-tuning", LREC-COLING 2024) from features to plan:
 * distances (step 2), clustering (3), global thresholds under the budget (4) and selection (5).
 * Step 1 is {@link org.ppruning.summary.FeatureCollector}; step 6 is {@link Rewrite}.
 */
public final class PPruning {
  private PPruning() {}

  /**
   * @param method how units are chosen
   * @param linkage REFERENCE (complete linkage on Chebyshev distances between distance-matrix rows,
   *     as the official code) or DIRECT (complete linkage on the distances)
   * @param budget what to keep
   * @param seed seed for the random baseline
   */
  public record Config(Method method, LinkageMode linkage, Budget budget, long seed) {}

  /**
   * @param plan units kept per layer
   * @param heads head threshold and per-layer head counts
   * @param neurons neuron threshold and per-layer FFN widths
   * @param headClusters per layer, the size of every head cluster
   * @param neuronClusters per layer, the size of every neuron cluster
   * @param headTrees per layer, the dendrogram of its heads (null for a layer without heads): its
   *     merge heights and the threshold give the cut the report draws
   * @param neuronTrees per layer, the dendrogram of its neurons (null for a layer without any)
   * @param targets cost targets
   * @param seconds stage timings
   */
  public record Result(
      PruningPlan plan,
      ThresholdSearch.Cut heads,
      ThresholdSearch.Cut neurons,
      List<int[]> headClusters,
      List<int[]> neuronClusters,
      List<Dendrogram> headTrees,
      List<Dendrogram> neuronTrees,
      Budget.Targets targets,
      Map<String, Double> seconds) {

    /** Copies the cluster sizes and timings (kept in stage order), so a result never changes. */
    public Result {
      headClusters = copy(headClusters);
      neuronClusters = copy(neuronClusters);
      // Dendrograms are immutable; the lists may hold null (a layer without units of the kind).
      headTrees = Collections.unmodifiableList(new ArrayList<>(headTrees));
      neuronTrees = Collections.unmodifiableList(new ArrayList<>(neuronTrees));
      seconds = Collections.unmodifiableMap(new LinkedHashMap<>(seconds));
    }

    /** Copies of the head cluster sizes, per layer. */
    @Override
    public List<int[]> headClusters() {
      return copy(headClusters);
    }

    /** Copies of the neuron cluster sizes, per layer. */
    @Override
    public List<int[]> neuronClusters() {
      return copy(neuronClusters);
    }

    private static List<int[]> copy(List<int[]> perLayer) {
      return perLayer.stream().map(int[]::clone).toList();
    }
  }

  public static Result plan(ModelSpec spec, Weights weights, ActivationFeatures f, Config c) {
    if (f.layers().size() != spec.numLayers()) {
      throw new IllegalArgumentException(
          "features cover "
              + f.layers().size()
              + " layers, the"
              + " model has "
              + spec.numLayers());
    }
    Map<String, Double> seconds = new LinkedHashMap<>();
    Budget.Targets targets = c.budget().targets(spec);

    long t0 = System.nanoTime();
    List<Dendrogram> headTrees = new ArrayList<>();
    List<Dendrogram> neuronTrees = new ArrayList<>();
    double distSecs = 0;
    try (Distances d = new Distances()) {
      for (int l = 0; l < spec.numLayers(); l++) {
        LayerFeatures lf = f.layers().get(l);
        long a = System.nanoTime();
        int heads = spec.layers().get(l).heads();
        int ffn = spec.layers().get(l).ffn();
        DistanceMatrix hd = heads == 0 ? null : d.heads(lf.heads(), f.headSize());
        DistanceMatrix nd = ffn == 0 ? null : d.neurons(lf.neurons());
        distSecs += (System.nanoTime() - a) / 1e9;
        checkUnits(l, "heads", hd, heads);
        checkUnits(l, "neurons", nd, ffn);
        headTrees.add(hd == null ? null : Clustering.fit(hd, c.linkage()));
        neuronTrees.add(nd == null ? null : Clustering.fit(nd, c.linkage()));
      }
    }
    seconds.put("distances", distSecs);
    seconds.put("clustering", (System.nanoTime() - t0) / 1e9 - distSecs);

    t0 = System.nanoTime();
    ThresholdSearch.Cut hc =
        ThresholdSearch.search(headTrees, c.budget().headCost(spec), targets.attention());
    ThresholdSearch.Cut nc =
        ThresholdSearch.search(neuronTrees, c.budget().neuronCost(spec), targets.ffn());
    seconds.put("threshold", (System.nanoTime() - t0) / 1e9);

    t0 = System.nanoTime();
    List<int[]> headClusters = new ArrayList<>();
    List<int[]> neuronClusters = new ArrayList<>();
    List<int[]> keepHeads = new ArrayList<>();
    List<int[]> keepNeurons = new ArrayList<>();
    for (int l = 0; l < spec.numLayers(); l++) {
      LayerFeatures lf = f.layers().get(l);
      int[] hLabels = labels(headTrees.get(l), hc.threshold());
      int[] nLabels = labels(neuronTrees.get(l), nc.threshold());
      headClusters.add(sizes(hLabels));
      neuronClusters.add(sizes(nLabels));
      if (c.method() == Method.P_PRUNING) {
        keepHeads.add(Selection.keepMostSalient(hLabels, lf.headSalience()));
        keepNeurons.add(Selection.keepMostSalient(nLabels, lf.neuronSalience()));
      }
    }
    PruningPlan plan =
        c.method() == Method.P_PRUNING
            ? new PruningPlan(keepHeads, keepNeurons)
            : atWidths(spec, weights, f, c.method(), hc.perLayer(), nc.perLayer(), c.seed());
    seconds.put("selection", (System.nanoTime() - t0) / 1e9);
    return new Result(
        plan, hc, nc, headClusters, neuronClusters, headTrees, neuronTrees, targets, seconds);
  }

  /**
   * A baseline at given per-layer widths, with no clustering: e.g. random or weight-magnitude
   * pruning to exactly the head and neuron counts a P-pruning plan chose, so that only the choice
   * of units differs. {@link #plan} uses it for every baseline.
   *
   * @param heads heads to keep per layer
   * @param neurons FFN neurons to keep per layer
   * @param seed seed of {@link Method#RANDOM}
   */
  public static PruningPlan atWidths(
      ModelSpec spec,
      Weights weights,
      ActivationFeatures f,
      Method method,
      int[] heads,
      int[] neurons,
      long seed) {
    if (method == Method.P_PRUNING) {
      throw new IllegalArgumentException(
          "p-pruning chooses its own widths; atWidths is for the" + " baselines");
    }
    int layers = spec.numLayers();
    if (heads.length != layers || neurons.length != layers || f.layers().size() != layers) {
      throw new IllegalArgumentException(
          "widths for "
              + heads.length
              + " and "
              + neurons.length
              + " layers, features for "
              + f.layers().size()
              + "; the model has "
              + layers);
    }
    ModelLayout layout = ModelLayout.of(spec);
    Random rnd = new Random(seed);
    List<int[]> keepHeads = new ArrayList<>();
    List<int[]> keepNeurons = new ArrayList<>();
    for (int l = 0; l < layers; l++) {
      LayerFeatures lf = f.layers().get(l);
      int nh = spec.layers().get(l).heads();
      int nn = spec.layers().get(l).ffn();
      if (heads[l] < 0 || heads[l] > nh || neurons[l] < 0 || neurons[l] > nn) {
        throw new IllegalArgumentException(
            "layer "
                + l
                + ": cannot keep "
                + heads[l]
                + " of "
                + nh
                + " heads and "
                + neurons[l]
                + " of "
                + nn
                + " neurons");
      }
      int hk = heads[l];
      int nk = neurons[l];
      switch (method) {
        case ACTIVATION -> {
          keepHeads.add(Selection.topK(lf.headSalience(), hk));
          keepNeurons.add(Selection.topK(lf.neuronSalience(), nk));
        }
        case WEIGHT_MAGNITUDE -> {
          keepHeads.add(Selection.topK(unitL1(weights, layout.headTensors(l), nh), hk));
          keepNeurons.add(Selection.topK(unitL1(weights, layout.neuronTensors(l), nn), nk));
        }
        case RANDOM -> {
          keepHeads.add(Selection.topK(randomScores(rnd, nh), hk));
          keepNeurons.add(Selection.topK(randomScores(rnd, nn), nk));
        }
        default -> throw new IllegalStateException("unhandled method " + method);
      }
    }
    return new PruningPlan(keepHeads, keepNeurons);
  }

  /** The features must describe the model's units, not another model's. */
  private static void checkUnits(int layer, String unit, DistanceMatrix d, int expected) {
    if (d != null && d.size() != expected) {
      throw new IllegalArgumentException(
          "layer "
              + layer
              + ": features hold "
              + d.size()
              + " "
              + unit
              + ", the model has "
              + expected);
    }
  }

  private static int[] labels(Dendrogram d, double threshold) {
    return d == null ? new int[0] : d.cut(threshold);
  }

  private static int[] sizes(int[] labels) {
    int k = 0;
    for (int x : labels) {
      k = Math.max(k, x + 1);
    }
    int[] s = new int[k];
    for (int x : labels) {
      s[x]++;
    }
    return s;
  }

  private static double[] randomScores(Random rnd, int n) {
    double[] s = new double[n];
    for (int i = 0; i < n; i++) {
      s[i] = rnd.nextDouble();
    }
    return s;
  }

  /** Per unit, the L1 norm of every weight that belongs to it. */
  static double[] unitL1(Weights w, List<UnitTensor> tensors, int units) {
    double[] score = new double[units];
    for (UnitTensor ut : tensors) {
      FloatTensor t = w.get(ut.name());
      int along = (int) t.dim(ut.axis());
      int perBlock = along / ut.blocks();
      int cols = t.rank() == 2 ? (int) t.dim(1) : 1;
      int rows = t.rank() == 2 ? (int) t.dim(0) : along;
      for (int r = 0; r < rows; r++) {
        for (int col = 0; col < cols; col++) {
          int pos = ut.axis() == 0 ? r : col; // index along the unit axis
          score[(pos % perBlock) / ut.width()] += Math.abs(t.data()[r * cols + col]);
        }
      }
    }
    return score;
  }
}
