package org.ppruning.pruning.report;

import static org.ppruning.pruning.report.Svg.attr;

/**
 * The FLOPs and the parameter budget, target against achieved, split between attention and FFN: one
 * panel per cost (FLOPs per sequence; parameters of heads and neurons), a row each for attention,
 * FFN and their total, every bar scaled to the panel's total before pruning (grey). The green bar
 * is what the pruned model keeps ({@code rect.after} with {@code data-cost}, {@code data-part},
 * {@code data-before}, {@code data-after}); in the panel of the cost the budget counts, a black
 * tick ({@code line.target}, {@code data-target}) marks the target.
 */
final class BudgetChart {
  private static final double W = 900;
  private static final double LABEL = 80;
  private static final double BAR = 330;
  private static final double ROW = 22;
  private static final double PANEL = 18 + 3 * ROW + 10;

  private BudgetChart() {}

  static String render(ReportData r) {
    StringBuilder b = new StringBuilder();
    b.append("<svg class=\"chart budget\"")
        .append(attr("width", Svg.c(W)))
        .append(attr("height", Svg.c(2 * PANEL)))
        .append(" role=\"img\" aria-label=\"FLOPs and parameters, target against achieved\">");
    BudgetReport bu = r.budget();
    String flops = "Encoder FLOPs per sequence of " + bu.seqLen() + " tokens";
    panel(b, 0, "flops", flops, r.flops(), bu.flops() ? bu : null);
    panel(
        b, PANEL, "params", "Parameters of heads and neurons", r.params(), bu.flops() ? null : bu);
    return b.append("</svg>").toString();
  }

  private static void panel(
      StringBuilder b, double y0, String cost, String title, Cost c, BudgetReport target) {
    b.append(Svg.text(4, y0 + 13, "start", title + (target == null ? "" : " (budgeted)")));
    Svg.Scale x = new Svg.Scale(0, c.totalBefore(), LABEL, LABEL + BAR);
    Double at = target == null ? null : target.attentionTarget();
    Double ft = target == null ? null : target.ffnTarget();
    Double tt = target == null ? null : target.attentionTarget() + target.ffnTarget();
    double y = y0 + 18;
    row(b, x, y, cost, "attention", c.attentionBefore(), c.attentionAfter(), at);
    row(b, x, y + ROW, cost, "ffn", c.ffnBefore(), c.ffnAfter(), ft);
    row(b, x, y + 2 * ROW, cost, "total", c.totalBefore(), c.totalAfter(), tt);
  }

  private static void row(
      StringBuilder b,
      Svg.Scale x,
      double y,
      String cost,
      String part,
      long before,
      long after,
      Double target) {
    b.append(Svg.text(4, y + 12, "start", part.equals("ffn") ? "FFN" : part));
    b.append(Svg.rect("before", x.at(0), y, x.at(before) - x.at(0), 14, attr("fill", Svg.BEFORE)));
    b.append(
        Svg.rect(
            "after",
            x.at(0),
            y,
            x.at(after) - x.at(0),
            14,
            attr("data-cost", cost)
                + attr("data-part", part)
                + attr("data-before", before)
                + attr("data-after", after)
                + attr("fill", Svg.KEPT)));
    String kept = Svg.pct(Cost.fraction(after, before));
    String label = Svg.si(after) + " of " + Svg.si(before) + " kept (" + kept + ")";
    if (target != null) {
      double tx = x.at(target);
      b.append(
          Svg.line(
              "target",
              tx,
              y - 3,
              tx,
              y + 17,
              attr("data-part", part)
                  + attr("data-target", Svg.num(target))
                  + attr("stroke", Svg.TARGET)
                  + attr("stroke-width", 2)));
      double share = before == 0 ? 1 : target / before;
      label += "; target " + Svg.si(target) + " (" + Svg.pct(share) + ")";
    }
    b.append(Svg.text(LABEL + BAR + 10, y + 12, "start", label));
  }
}
