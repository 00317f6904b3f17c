package org.ppruning.pruning.report;

import java.util.Map;

/**
 * {@code pruning-report.html}: one self-contained page (inline SVG and CSS; no script, no fonts,
 * images or anything else fetched) with the run's summary, the budget ({@link BudgetChart}), the
 * units kept per layer ({@link WidthChart}), and per layer its head and neuron merge heights with
 * the cut ({@link MergeChart}) and the salience of kept against removed units ({@link
 * SalienceChart}); then the stage timings. The numbers behind every chart are in {@code
 * pruning-report.json}.
 */
public final class ReportHtml {
  private static final String STYLE =
      "body{font-family:sans-serif;margin:1.5em;color:"
          + Svg.TEXT
          + "}svg{font-size:11px;fill:"
          + Svg.TEXT
          + ";display:block}"
          + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px}"
          + "td.n{text-align:right}.layer{display:flex;flex-wrap:wrap;gap:4px;"
          + "align-items:flex-start;border-top:1px solid #eee;padding-top:4px}"
          + ".layer h3{width:2.5em;margin:8px 0;font-size:14px}"
          + ".key span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}";

  private ReportHtml() {}

  /** The page. */
  public static String render(ReportData r) {
    StringBuilder b = new StringBuilder();
    b.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>ppruning report")
        .append(r.source() == null ? "" : ": " + Svg.esc(r.source()))
        .append("</title><style>")
        .append(STYLE)
        .append("</style></head><body><h1>Pruning report")
        .append(r.source() == null ? "" : ": " + Svg.esc(r.source()))
        .append("</h1>");
    summary(b, r);
    b.append("<h2>Budget</h2>").append(BudgetChart.render(r));
    b.append("<h2>Units kept per layer</h2>").append(WidthChart.render(r.layers()));
    b.append("<h2>Per layer: where the threshold cut, and what was kept</h2>")
        .append("<p class=\"key\">")
        .append("<span style=\"background:")
        .append(Svg.KEPT)
        .append("\"></span>kept / merge above the cut (keeps a cluster)")
        .append("<span style=\"background:")
        .append(Svg.REMOVED)
        .append("\"></span>removed / merge at or below the cut")
        .append("<span style=\"background:")
        .append(Svg.CUT)
        .append("\"></span>threshold cut</p>");
    for (LayerReport l : r.layers()) {
      b.append("<div class=\"layer\" data-layer=\"")
          .append(l.layer())
          .append("\"><h3>L")
          .append(l.layer())
          .append("</h3>")
          .append(MergeChart.render(l.layer(), "heads", l.heads(), r.headThreshold()))
          .append(MergeChart.render(l.layer(), "neurons", l.neurons(), r.neuronThreshold()))
          .append(SalienceChart.render(l.layer(), "heads", l.heads()))
          .append(SalienceChart.render(l.layer(), "neurons", l.neurons()))
          .append("</div>");
    }
    timings(b, r.seconds());
    return b.append("</body></html>\n").toString();
  }

  private static void summary(StringBuilder b, ReportData r) {
    BudgetReport bu = r.budget();
    String budget =
        (bu.flops() ? "FLOPs" : "parameters")
            + ": keep "
            + Svg.pct(bu.keep())
            + (bu.headsKeep() == null ? "" : ", attention " + Svg.pct(bu.headsKeep()))
            + (bu.neuronsKeep() == null ? "" : ", FFN " + Svg.pct(bu.neuronsKeep()))
            + (bu.headsKeep() == null && bu.neuronsKeep() == null
                ? ", FFN removes " + Svg.num(bu.lambda()) + "x what attention removes"
                : "")
            + "; FLOPs at "
            + bu.seqLen()
            + " tokens";
    b.append("<table class=\"summary\">");
    row(b, "method", r.method() + ", linkage " + r.linkage());
    row(b, "budget", budget);
    row(
        b,
        "encoder FLOPs",
        Svg.grouped(r.flops().totalBefore())
            + " → "
            + Svg.grouped(r.flops().totalAfter())
            + " ("
            + Svg.pct(r.flopsKept())
            + " kept)");
    row(
        b,
        "parameters",
        Svg.grouped(r.modelParamsBefore())
            + " → "
            + Svg.grouped(r.modelParamsAfter())
            + " ("
            + Svg.pct(r.paramsKept())
            + " kept; embeddings and task heads are not pruned)");
    row(
        b,
        "thresholds",
        "heads " + Svg.num(r.headThreshold()) + ", neurons " + Svg.num(r.neuronThreshold()));
    row(
        b,
        "profile",
        Svg.grouped(r.samples())
            + " samples, "
            + Svg.grouped(r.tokens())
            + " tokens, "
            + Svg.grouped(r.sampledTokens())
            + " sampled (seed "
            + r.seed()
            + ")");
    b.append("</table>");
  }

  private static void row(StringBuilder b, String key, String value) {
    b.append("<tr><th>").append(Svg.esc(key)).append("</th><td>").append(Svg.esc(value));
    b.append("</td></tr>");
  }

  private static void timings(StringBuilder b, Map<String, Double> seconds) {
    b.append(
        "<h2>Stage timings</h2><table class=\"timings\"><tr><th>stage</th><th>seconds</th></tr>");
    double total = 0;
    for (Map.Entry<String, Double> e : seconds.entrySet()) {
      b.append("<tr><td>")
          .append(Svg.esc(e.getKey()))
          .append("</td><td class=\"n\">")
          .append(String.format(java.util.Locale.ROOT, "%.2f", e.getValue()))
          .append("</td></tr>");
      total += e.getValue();
    }
    b.append("<tr><th>total</th><td class=\"n\">")
        .append(String.format(java.util.Locale.ROOT, "%.2f", total))
        .append("</td></tr></table>");
  }
}
