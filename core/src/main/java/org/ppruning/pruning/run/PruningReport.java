package org.ppruning.pruning.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.features.LayerFeatures;
import org.ppruning.model.CostModel;
import org.ppruning.model.ModelSpec;
import org.ppruning.pruning.Budget;
import org.ppruning.pruning.clustering.Dendrogram;
import org.ppruning.pruning.report.BudgetReport;
import org.ppruning.pruning.report.Cost;
import org.ppruning.pruning.report.LayerReport;
import org.ppruning.pruning.report.ReportData;
import org.ppruning.pruning.report.ReportHtml;
import org.ppruning.pruning.report.ReportJson;
import org.ppruning.pruning.report.UnitReport;

/**
 * {@code pruning-report.json} and {@code pruning-report.html} of one run: gathers what the report
 * shows ({@link ReportData}: per layer the units kept, their salience and the dendrogram merge
 * heights the thresholds cut; FLOPs and parameters split between attention and FFN against the
 * budget) from the plan, its dendrograms, the features and both specs, and writes it ({@link
 * ReportJson}, {@link ReportHtml}).
 */
public final class PruningReport {
  /** File names in the pruned model's folder. */
  public static final String JSON = "pruning-report.json";

  public static final String HTML = "pruning-report.html";

  private PruningReport() {}

  /**
   * The report's data.
   *
   * @param before the model pruned
   * @param after the pruned model's spec (lineage indices of what it kept)
   * @param c the run's configuration
   * @param r the run's plan, cuts and dendrograms
   * @param f the features the plan was made from (salience)
   * @param seconds stage timings
   */
  public static ReportData build(
      ModelSpec before,
      ModelSpec after,
      PPruning.Config c,
      PPruning.Result r,
      ActivationFeatures f,
      Map<String, Double> seconds) {
    if (after.numLayers() != before.numLayers() || f.layers().size() != before.numLayers()) {
      throw new IllegalArgumentException(
          "report of a "
              + before.numLayers()
              + "-layer model with a "
              + after.numLayers()
              + "-layer pruned spec and features of "
              + f.layers().size()
              + " layers");
    }
    Budget b = c.budget();
    List<int[]> keepHeads = r.plan().keepHeads();
    List<int[]> keepNeurons = r.plan().keepNeurons();
    List<Integer> headsAfter = after.headsPerLayer();
    List<Integer> ffnAfter = after.ffnPerLayer();
    List<LayerReport> layers = new ArrayList<>();
    for (int l = 0; l < before.numLayers(); l++) {
      LayerFeatures lf = f.layers().get(l);
      UnitReport heads =
          units(
              before.layers().get(l).heads(),
              keepHeads.get(l),
              after.layers().get(l).keptHeads(),
              lf.headSalience(),
              r.headTrees().get(l),
              r.headClusters().get(l).length);
      UnitReport neurons =
          units(
              before.layers().get(l).ffn(),
              keepNeurons.get(l),
              after.layers().get(l).keptNeurons(),
              lf.neuronSalience(),
              r.neuronTrees().get(l),
              r.neuronClusters().get(l).length);
      layers.add(new LayerReport(l, heads, neurons));
    }
    long headParams = 4L * before.hiddenSize() * before.headSize() + 3L * before.headSize();
    long neuronParams = 2L * before.hiddenSize() + 1;
    long headFlops = CostModel.headFlops(before, b.seqLen());
    long neuronFlops = CostModel.neuronFlops(before, b.seqLen());
    long hb = before.headsPerLayer().stream().mapToLong(Integer::longValue).sum();
    long ha = headsAfter.stream().mapToLong(Integer::longValue).sum();
    long nb = before.ffnPerLayer().stream().mapToLong(Integer::longValue).sum();
    long na = ffnAfter.stream().mapToLong(Integer::longValue).sum();
    return new ReportData(
        before.source(),
        c.method().id(),
        c.linkage().name().toLowerCase(java.util.Locale.ROOT),
        new BudgetReport(
            b.kind() == Budget.Kind.FLOPS ? "flops" : "params",
            b.keep(),
            b.lambda(),
            b.headsKeep(),
            b.neuronsKeep(),
            b.seqLen(),
            r.targets().attention(),
            r.targets().ffn()),
        new Cost(hb * headFlops, ha * headFlops, nb * neuronFlops, na * neuronFlops),
        new Cost(hb * headParams, ha * headParams, nb * neuronParams, na * neuronParams),
        CostModel.totalParams(before),
        CostModel.totalParams(after),
        r.heads().threshold(),
        r.neurons().threshold(),
        layers,
        f.samples(),
        f.tokens(),
        f.sampledTokens(),
        f.seed(),
        seconds);
  }

  private static UnitReport units(
      int before,
      int[] kept,
      int[] keptOriginal,
      double[] salience,
      Dendrogram tree,
      int clusters) {
    double[] heights = tree == null ? new double[0] : tree.heights();
    return new UnitReport(before, kept, keptOriginal, salience, heights, clusters);
  }

  /**
   * Writes {@code pruning-report.json} and {@code pruning-report.html} into {@code dir}; returns
   * the JSON's content as maps.
   */
  public static Map<String, Object> write(ReportData report, Path dir) throws IOException {
    Map<String, Object> json = ReportJson.toMap(report);
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    Files.writeString(dir.resolve(JSON), mapper.writeValueAsString(json));
    Files.writeString(dir.resolve(HTML), ReportHtml.render(report));
    return json;
  }
}
