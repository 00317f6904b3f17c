package org.ppruning.pruning.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything {@code pruning-report.json} and {@code pruning-report.html} show about one pruning
 * run. Built by {@code org.ppruning.pruning.run.PruningReport} from the run's plan, dendrograms,
 * features and specs; the JSON keys are documented in docs/pruning.md.
 *
 * @param source the pruned model's source (catalog name or path), or null if unknown
 * @param method how units were chosen ({@code p-pruning} or a baseline)
 * @param linkage {@code reference} or {@code direct}
 * @param budget what the run was asked to keep
 * @param flops encoder FLOPs before and after, per sequence of {@code budget.seqLen()} tokens
 * @param params parameters of heads and neurons before and after
 * @param modelParamsBefore every parameter of the model before (embeddings, norms, heads included)
 * @param modelParamsAfter every parameter after
 * @param headThreshold the distance threshold that cut every layer's head dendrogram
 * @param neuronThreshold the one that cut every neuron dendrogram
 * @param layers per layer, from 0
 * @param samples task samples profiled
 * @param tokens non-padding tokens the salience is averaged over
 * @param sampledTokens tokens whose activations the distances compare
 * @param seed token-sampling seed
 * @param seconds stage timings in seconds, in stage order
 */
public record ReportData(
    String source,
    String method,
    String linkage,
    BudgetReport budget,
    Cost flops,
    Cost params,
    long modelParamsBefore,
    long modelParamsAfter,
    double headThreshold,
    double neuronThreshold,
    List<LayerReport> layers,
    long samples,
    long tokens,
    int sampledTokens,
    long seed,
    Map<String, Double> seconds) {

  public ReportData {
    if (!Double.isFinite(headThreshold) || !Double.isFinite(neuronThreshold)) {
      throw new IllegalArgumentException(
          "thresholds must be finite, got " + headThreshold + " and " + neuronThreshold);
    }
    layers = List.copyOf(layers);
    seconds = Collections.unmodifiableMap(new LinkedHashMap<>(seconds));
  }

  /** Encoder FLOPs kept, {@code after / before}. */
  public double flopsKept() {
    return Cost.fraction(flops.totalAfter(), flops.totalBefore());
  }

  /** Model parameters kept, {@code after / before}. */
  public double paramsKept() {
    return Cost.fraction(modelParamsAfter, modelParamsBefore);
  }

  /** The cost split in the budget's own unit. */
  public Cost budgeted() {
    return budget.flops() ? flops : params;
  }
}
