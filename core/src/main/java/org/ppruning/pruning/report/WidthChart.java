package org.ppruning.pruning.report;

import static org.ppruning.pruning.report.Svg.attr;

import java.util.List;
import java.util.function.Function;

/**
 * Heads and FFN neurons kept per layer: one row per layer, a grey bar for the units before and a
 * green bar for those kept, heads on the left and neurons on the right, each side scaled to its
 * widest layer. Every kept bar is a {@code rect.kept} with {@code data-layer}, {@code data-kind},
 * {@code data-kept} and {@code data-before}.
 */
final class WidthChart {
  private static final double ROW = 20;
  private static final double TOP = 24;
  private static final double LABEL = 40;
  private static final double BAR = 250;
  private static final double COLUMN = BAR + 110;

  private WidthChart() {}

  static String render(List<LayerReport> layers) {
    double height = TOP + ROW * layers.size() + 6;
    StringBuilder b = new StringBuilder();
    b.append("<svg class=\"chart widths\"")
        .append(attr("width", Svg.c(LABEL + 2 * COLUMN)))
        .append(attr("height", Svg.c(height)))
        .append(" role=\"img\" aria-label=\"heads and FFN neurons kept per layer\">");
    column(b, layers, "heads", LayerReport::heads, LABEL);
    column(b, layers, "neurons", LayerReport::neurons, LABEL + COLUMN);
    for (int i = 0; i < layers.size(); i++) {
      b.append(Svg.text(4, TOP + ROW * i + 13, "start", "L" + layers.get(i).layer()));
    }
    return b.append("</svg>").toString();
  }

  private static void column(
      StringBuilder b,
      List<LayerReport> layers,
      String kind,
      Function<LayerReport, UnitReport> units,
      double x0) {
    int widest = layers.stream().mapToInt(l -> units.apply(l).before()).max().orElse(0);
    Svg.Scale x = new Svg.Scale(0, widest, x0, x0 + BAR);
    b.append(Svg.text(x0, 14, "start", (kind.equals("heads") ? "heads" : "FFN neurons") + " kept"));
    for (int i = 0; i < layers.size(); i++) {
      UnitReport u = units.apply(layers.get(i));
      double y = TOP + ROW * i;
      b.append(Svg.rect("before", x0, y, x.at(u.before()) - x0, 14, attr("fill", Svg.BEFORE)));
      b.append(
          Svg.rect(
              "kept",
              x0,
              y,
              x.at(u.after()) - x0,
              14,
              attr("data-layer", layers.get(i).layer())
                  + attr("data-kind", kind)
                  + attr("data-kept", u.after())
                  + attr("data-before", u.before())
                  + attr("fill", Svg.KEPT)));
      String share =
          u.before() == 0 ? "" : " (" + Math.round(100.0 * u.after() / u.before()) + "%)";
      b.append(
          Svg.text(
              x0 + BAR + 6,
              y + 12,
              "start",
              Svg.grouped(u.after()) + " / " + Svg.grouped(u.before()) + share));
    }
  }
}
