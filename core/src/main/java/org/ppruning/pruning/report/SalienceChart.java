package org.ppruning.pruning.report;

import java.util.Optional;

/**
 * One layer's salience (mean |activation|) of the kept units against the removed ones, for one unit
 * kind, on a shared axis: a row each. Up to {@link #DOTS} units are drawn one {@code circle.unit}
 * each ({@code .kept} or {@code .removed}, with {@code data-unit}, the unit's position); more as a
 * box per row ({@code g.box} with {@code data-group} and {@code data-count}): whiskers at the
 * minimum and maximum, the box from the first to the third quartile, a line at the median. The
 * {@code svg.salience} element carries {@code data-layer}, {@code data-kind}, {@code data-kept} and
 * {@code data-removed}.
 */
final class SalienceChart {
  static final int DOTS = 64;
  private static final double W = 270;
  private static final double H = 124;
  private static final double LEFT = 86;
  private static final double RIGHT = W - 10;
  private static final double KEPT_Y = 44;
  private static final double REMOVED_Y = 80;

  private SalienceChart() {}

  static String render(int layer, String kind, UnitReport u) {
    double[] s = u.salience();
    double lo = 0;
    double hi = 0;
    for (double v : s) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    Svg.Scale x = new Svg.Scale(lo, hi, LEFT, RIGHT);
    int[] removed = u.removed();
    StringBuilder b = new StringBuilder();
    b.append("<svg class=\"chart salience\" data-layer=\"")
        .append(layer)
        .append("\" data-kind=\"")
        .append(kind)
        .append("\" data-kept=\"")
        .append(u.after())
        .append("\" data-removed=\"")
        .append(removed.length)
        .append("\" width=\"")
        .append(Svg.c(W))
        .append("\" height=\"")
        .append(Svg.c(H))
        .append("\" role=\"img\" aria-label=\"layer ")
        .append(layer)
        .append(' ')
        .append(kind)
        .append(" salience, kept against removed\">");
    b.append(Svg.text(4, 14, "start", kind + " salience (mean |activation|)"));
    b.append(Svg.text(4, KEPT_Y + 4, "start", "kept " + u.after()));
    b.append(Svg.text(4, REMOVED_Y + 4, "start", "removed " + removed.length));
    if (u.before() <= DOTS) {
      dots(b, s, u.kept(), x, KEPT_Y, "kept", Svg.KEPT);
      dots(b, s, removed, x, REMOVED_Y, "removed", Svg.REMOVED);
    } else {
      box(b, u.keptStats(), x, KEPT_Y, "kept", Svg.KEPT);
      box(b, u.removedStats(), x, REMOVED_Y, "removed", Svg.REMOVED);
    }
    b.append("<line class=\"axis\" x1=\"")
        .append(Svg.c(LEFT))
        .append("\" x2=\"")
        .append(Svg.c(RIGHT))
        .append("\" y1=\"100\" y2=\"100\" stroke=\"")
        .append(Svg.TEXT)
        .append("\"/>");
    b.append(Svg.text(LEFT, 114, "middle", Svg.num(lo)));
    b.append(Svg.text(RIGHT, 114, "end", Svg.num(x.hi())));
    return b.append("</svg>").toString();
  }

  private static void dots(
      StringBuilder b, double[] s, int[] units, Svg.Scale x, double y, String cls, String colour) {
    for (int i = 0; i < units.length; i++) {
      int p = units[i];
      // Three lanes, so that units of equal salience stay apart.
      double dy = (i % 3 - 1) * 6;
      b.append("<circle class=\"unit ")
          .append(cls)
          .append("\" data-unit=\"")
          .append(p)
          .append("\" cx=\"")
          .append(Svg.c(x.at(s[p])))
          .append("\" cy=\"")
          .append(Svg.c(y + dy))
          .append("\" r=\"3.5\" fill=\"")
          .append(colour)
          .append("\" fill-opacity=\"0.8\"><title>")
          .append(cls)
          .append(" unit ")
          .append(p)
          .append(": ")
          .append(Svg.num(s[p]))
          .append("</title></circle>");
    }
  }

  private static void box(
      StringBuilder b, Optional<Quartiles> q, Svg.Scale x, double y, String group, String colour) {
    if (q.isEmpty()) {
      b.append(Svg.text(LEFT, y + 4, "start", "none"));
      return;
    }
    Quartiles s = q.get();
    b.append("<g class=\"box\" data-group=\"")
        .append(group)
        .append("\" data-count=\"")
        .append(s.count())
        .append("\" stroke=\"")
        .append(colour)
        .append("\"><title>")
        .append(group)
        .append(": ")
        .append(s.count())
        .append(" units, min ")
        .append(Svg.num(s.min()))
        .append(", quartiles ")
        .append(Svg.num(s.q1()))
        .append(" / ")
        .append(Svg.num(s.median()))
        .append(" / ")
        .append(Svg.num(s.q3()))
        .append(", max ")
        .append(Svg.num(s.max()))
        .append("</title>");
    line(b, x.at(s.min()), y, x.at(s.max()), y, "whisker");
    line(b, x.at(s.min()), y - 6, x.at(s.min()), y + 6, "min");
    line(b, x.at(s.max()), y - 6, x.at(s.max()), y + 6, "max");
    b.append("<rect class=\"iqr\" x=\"")
        .append(Svg.c(x.at(s.q1())))
        .append("\" y=\"")
        .append(Svg.c(y - 9))
        .append("\" width=\"")
        .append(Svg.c(Math.max(1, x.at(s.q3()) - x.at(s.q1()))))
        .append("\" height=\"18\" fill=\"")
        .append(colour)
        .append("\" fill-opacity=\"0.35\"/>");
    line(b, x.at(s.median()), y - 9, x.at(s.median()), y + 9, "median");
    b.append("</g>");
  }

  private static void line(StringBuilder b, double x1, double y1, double x2, double y2, String c) {
    b.append("<line class=\"")
        .append(c)
        .append("\" x1=\"")
        .append(Svg.c(x1))
        .append("\" y1=\"")
        .append(Svg.c(y1))
        .append("\" x2=\"")
        .append(Svg.c(x2))
        .append("\" y2=\"")
        .append(Svg.c(y2))
        .append("\" stroke-width=\"2\"/>");
  }
}
