package org.ppruning.pruning.report;

import static org.ppruning.pruning.report.Svg.attr;

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
    b.append(
        Svg.open(
            "salience",
            layer,
            kind,
            attr("data-kept", u.after()) + attr("data-removed", removed.length),
            W,
            H,
            "salience, kept against removed"));
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
    b.append(Svg.line("axis", LEFT, 100, RIGHT, 100, attr("stroke", Svg.TEXT)));
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
      b.append(
          Svg.circle(
              "unit " + cls,
              x.at(s[p]),
              y + dy,
              3.5,
              attr("data-unit", p) + attr("fill", colour) + attr("fill-opacity", 0.8),
              "<title>" + cls + " unit " + p + ": " + Svg.num(s[p]) + "</title>"));
    }
  }

  private static void box(
      StringBuilder b, Optional<Quartiles> q, Svg.Scale x, double y, String group, String colour) {
    if (q.isEmpty()) {
      b.append(Svg.text(LEFT, y + 4, "start", "none"));
      return;
    }
    Quartiles s = q.get();
    b.append("<g class=\"box\"")
        .append(attr("data-group", group))
        .append(attr("data-count", s.count()))
        .append(attr("stroke", colour))
        .append(attr("stroke-width", 2))
        .append("><title>")
        .append(
            Svg.esc(
                group
                    + ": "
                    + s.count()
                    + " units, min "
                    + Svg.num(s.min())
                    + ", quartiles "
                    + Svg.num(s.q1())
                    + " / "
                    + Svg.num(s.median())
                    + " / "
                    + Svg.num(s.q3())
                    + ", max "
                    + Svg.num(s.max())))
        .append("</title>");
    b.append(Svg.line("whisker", x.at(s.min()), y, x.at(s.max()), y, ""));
    b.append(Svg.line("min", x.at(s.min()), y - 6, x.at(s.min()), y + 6, ""));
    b.append(Svg.line("max", x.at(s.max()), y - 6, x.at(s.max()), y + 6, ""));
    double width = Math.max(1, x.at(s.q3()) - x.at(s.q1()));
    b.append(
        Svg.rect(
            "iqr",
            x.at(s.q1()),
            y - 9,
            width,
            18,
            attr("fill", colour) + attr("fill-opacity", 0.35)));
    b.append(Svg.line("median", x.at(s.median()), y - 9, x.at(s.median()), y + 9, ""));
    b.append("</g>");
  }
}
