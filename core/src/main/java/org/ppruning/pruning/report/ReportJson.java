package org.ppruning.pruning.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code pruning-report.json}, format {@code ppruning-report/1}: the report data as nested maps
 * with stable keys, in a fixed order (docs/pruning.md lists each key, its type and unit). The
 * top-level {@code flopsKept}, {@code flopsBefore}, {@code flopsAfter}, {@code paramsBefore},
 * {@code paramsAfter}, {@code thresholds} and {@code samples} are what earlier reports held and
 * what the pruner reads back from a version written before a restart.
 */
public final class ReportJson {
  /** The value of the {@code format} key. */
  public static final String FORMAT = "ppruning-report/1";

  private ReportJson() {}

  /** The report as JSON-ready maps, lists, strings and numbers. */
  public static Map<String, Object> toMap(ReportData r) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("format", FORMAT);
    o.put("source", r.source());
    o.put("method", r.method());
    o.put("linkage", r.linkage());
    o.put("budget", budget(r.budget()));
    o.put("flopsKept", r.flopsKept());
    o.put("flopsBefore", r.flops().totalBefore());
    o.put("flopsAfter", r.flops().totalAfter());
    o.put("paramsKept", r.paramsKept());
    o.put("paramsBefore", r.modelParamsBefore());
    o.put("paramsAfter", r.modelParamsAfter());
    o.put("flops", cost(r.flops()));
    o.put("params", cost(r.params()));
    Map<String, Object> thresholds = new LinkedHashMap<>();
    thresholds.put("heads", r.headThreshold());
    thresholds.put("neurons", r.neuronThreshold());
    o.put("thresholds", thresholds);
    o.put("samples", r.samples());
    o.put("tokens", r.tokens());
    o.put("sampledTokens", r.sampledTokens());
    o.put("seed", r.seed());
    List<Map<String, Object>> layers = new ArrayList<>();
    for (LayerReport l : r.layers()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("layer", l.layer());
      m.put("heads", units(l.heads(), r.headThreshold()));
      m.put("neurons", units(l.neurons(), r.neuronThreshold()));
      layers.add(m);
    }
    o.put("layers", layers);
    o.put("seconds", r.seconds());
    return o;
  }

  private static Map<String, Object> budget(BudgetReport b) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", b.kind());
    m.put("keep", b.keep());
    m.put("lambda", b.lambda());
    m.put("headsKeep", b.headsKeep());
    m.put("neuronsKeep", b.neuronsKeep());
    m.put("seqLen", b.seqLen());
    m.put("attentionTarget", b.attentionTarget());
    m.put("ffnTarget", b.ffnTarget());
    return m;
  }

  private static Map<String, Object> cost(Cost c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("attention", beforeAfter(c.attentionBefore(), c.attentionAfter()));
    m.put("ffn", beforeAfter(c.ffnBefore(), c.ffnAfter()));
    m.put("total", beforeAfter(c.totalBefore(), c.totalAfter()));
    return m;
  }

  private static Map<String, Object> beforeAfter(long before, long after) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("before", before);
    m.put("after", after);
    return m;
  }

  private static Map<String, Object> units(UnitReport u, double threshold) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("before", u.before());
    m.put("after", u.after());
    m.put("kept", u.kept());
    m.put("keptOriginal", u.keptOriginal());
    m.put("clusters", u.clusters());
    m.put("mergesApplied", u.mergesApplied(threshold));
    m.put("mergeHeights", u.mergeHeights());
    m.put("salience", u.salience());
    m.put("salienceKept", stats(u.keptStats()));
    m.put("salienceRemoved", stats(u.removedStats()));
    return m;
  }

  private static Map<String, Object> stats(Optional<Quartiles> q) {
    if (q.isEmpty()) {
      return null;
    }
    Quartiles s = q.get();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", s.count());
    m.put("min", s.min());
    m.put("q1", s.q1());
    m.put("median", s.median());
    m.put("q3", s.q3());
    m.put("max", s.max());
    m.put("mean", s.mean());
    return m;
  }
}
