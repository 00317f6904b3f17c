package org.ppruning.pruning.report;

import static org.ppruning.pruning.report.Svg.attr;

/**
 * One layer's dendrogram merge heights for one unit kind, with the threshold's cut: merge {@code k}
 * (in height order) at {@code (k, height)}, the cut a dashed horizontal line. Merges at or below
 * the cut were applied (each joined two clusters, so one unit fewer survives: red); the ones above
 * were not (each leaves one more cluster: green). Up to {@link #DOTS} merges are drawn as {@code
 * circle.merge}, more as two polylines ({@code polyline.applied}, {@code polyline.above}) with one
 * point per pixel column at most: the heights are sorted, so a column's first and last merges bound
 * all of it and the curve loses nothing a screen can show. The {@code svg.merges} element carries
 * {@code data-layer}, {@code data-kind}, {@code data-merges}, {@code data-applied}, {@code
 * data-clusters} and {@code data-threshold}; the cut is {@code line.cut}.
 */
final class MergeChart {
  static final int DOTS = 64;
  private static final double W = 270;
  private static final double H = 124;
  private static final double LEFT = 44;
  private static final double RIGHT = W - 8;
  private static final double TOP = 24;
  private static final double BOTTOM = H - 26;

  private MergeChart() {}

  static String render(int layer, String kind, UnitReport u, double threshold) {
    double[] h = u.mergeHeights();
    int applied = u.mergesApplied(threshold);
    StringBuilder b = new StringBuilder();
    b.append(
        Svg.open(
            "merges",
            layer,
            kind,
            attr("data-merges", h.length)
                + attr("data-applied", applied)
                + attr("data-clusters", u.clusters())
                + attr("data-threshold", Svg.num(threshold)),
            W,
            H,
            "merge heights and the threshold cut"));
    b.append(
        Svg.text(
            4,
            14,
            "start",
            kind
                + ": "
                + u.clusters()
                + " clusters of "
                + u.before()
                + ", cut "
                + Svg.num(threshold)));
    b.append(
        Svg.rect(
            "frame",
            LEFT,
            TOP,
            RIGHT - LEFT,
            BOTTOM - TOP,
            attr("fill", "none") + attr("stroke", Svg.BEFORE)));
    if (h.length == 0) {
      String units = u.before() + (u.before() == 1 ? " unit" : " units");
      b.append(
          Svg.text((LEFT + RIGHT) / 2, (TOP + BOTTOM) / 2, "middle", "no merges (" + units + ")"));
      return b.append("</svg>").toString();
    }
    double lo = Math.min(0, Math.min(h[0], threshold));
    double hi = Math.max(h[h.length - 1], threshold);
    Svg.Scale y = new Svg.Scale(lo, hi, BOTTOM, TOP);
    // Merge k sits in the middle of column k of h.length equal columns.
    Svg.Scale x = new Svg.Scale(0, h.length, LEFT, RIGHT);
    if (h.length <= DOTS) {
      for (int k = 0; k < h.length; k++) {
        boolean in = k < applied;
        b.append(
            Svg.circle(
                "merge " + (in ? "applied" : "above"),
                x.at(k + 0.5),
                y.at(h[k]),
                3,
                attr("fill", in ? Svg.REMOVED : Svg.KEPT),
                ""));
      }
    } else {
      curve(b, h, 0, applied, x, y, "applied", Svg.REMOVED);
      curve(b, h, applied, h.length, x, y, "above", Svg.KEPT);
    }
    double cy = y.at(threshold);
    b.append(
        Svg.line(
            "cut",
            LEFT,
            cy,
            RIGHT,
            cy,
            attr("stroke", Svg.CUT) + attr("stroke-width", 1.5) + attr("stroke-dasharray", "5 3")));
    b.append(Svg.text(LEFT - 4, BOTTOM + 4, "end", Svg.num(lo)));
    b.append(Svg.text(LEFT - 4, TOP + 8, "end", Svg.num(y.hi())));
    b.append(
        Svg.text(
            LEFT, H - 8, "start", applied + " of " + h.length + " merges below the cut (red)"));
    return b.append("</svg>").toString();
  }

  /** Merges {@code from .. to-1} as a polyline, at most two points per pixel column. */
  private static void curve(
      StringBuilder b,
      double[] h,
      int from,
      int to,
      Svg.Scale x,
      Svg.Scale y,
      String cls,
      String colour) {
    if (from >= to) {
      return;
    }
    StringBuilder points = new StringBuilder();
    int column = Integer.MIN_VALUE;
    for (int k = from; k < to; k++) {
      int px = (int) Math.floor(x.at(k + 0.5));
      boolean first = px != column;
      boolean last = k == to - 1 || (int) Math.floor(x.at(k + 1.5)) != px;
      if (first || last) {
        points.append(Svg.c(x.at(k + 0.5))).append(',').append(Svg.c(y.at(h[k]))).append(' ');
      }
      column = px;
    }
    b.append("<polyline class=\"")
        .append(cls)
        .append('"')
        .append(attr("data-count", to - from))
        .append(attr("points", points.toString().strip()))
        .append(attr("fill", "none"))
        .append(attr("stroke", colour))
        .append(attr("stroke-width", 2))
        .append("/>");
    if (to - from == 1) { // a one-point polyline draws nothing
      b.append(
          Svg.circle("merge " + cls, x.at(from + 0.5), y.at(h[from]), 2, attr("fill", colour), ""));
    }
  }
}
