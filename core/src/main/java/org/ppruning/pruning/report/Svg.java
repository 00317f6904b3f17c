package org.ppruning.pruning.report;

import java.util.Locale;

/**
 * Small helpers the charts share: coordinates and numbers as text (never NaN or infinite: a chart
 * that would draw one is a bug, refused by name), escaping, and a linear scale.
 */
final class Svg {
  /** Colours: kept units, removed units, the whole before pruning, the threshold cut, targets. */
  static final String KEPT = "#2b8a3e";

  static final String REMOVED = "#c92a2a";
  static final String BEFORE = "#dee2e6";
  static final String CUT = "#1864ab";
  static final String TARGET = "#000000";
  static final String TEXT = "#343a40";

  private Svg() {}

  /** A coordinate with one decimal. */
  static String c(double v) {
    if (!Double.isFinite(v)) {
      throw new IllegalStateException("chart coordinate " + v + " is not a finite number");
    }
    return String.format(Locale.ROOT, "%.1f", v);
  }

  /** A value for people: 4 significant digits, plain notation for ordinary magnitudes. */
  static String num(double v) {
    if (!Double.isFinite(v)) {
      throw new IllegalStateException("value " + v + " is not a finite number");
    }
    if (v == 0) {
      return "0";
    }
    double a = Math.abs(v);
    if (a >= 1e-3 && a < 1e5) {
      return new java.math.BigDecimal(v)
          .round(new java.math.MathContext(4))
          .stripTrailingZeros()
          .toPlainString();
    }
    return String.format(Locale.ROOT, "%.3e", v);
  }

  /** A count with an SI prefix: 10.87 G, 67.48 M, 12.3 k, 512. */
  static String si(double v) {
    double a = Math.abs(v);
    if (a >= 1e9) {
      return String.format(Locale.ROOT, "%.2f G", v / 1e9);
    }
    if (a >= 1e6) {
      return String.format(Locale.ROOT, "%.2f M", v / 1e6);
    }
    if (a >= 1e4) {
      return String.format(Locale.ROOT, "%.1f k", v / 1e3);
    }
    return String.format(Locale.ROOT, "%.0f", v);
  }

  /** An exact count with thousands separators: 110,104,890. */
  static String grouped(long v) {
    return String.format(Locale.ROOT, "%,d", v);
  }

  /** A fraction as a percentage with two decimals. */
  static String pct(double fraction) {
    if (!Double.isFinite(fraction)) {
      throw new IllegalStateException("fraction " + fraction + " is not a finite number");
    }
    return String.format(Locale.ROOT, "%.2f%%", 100 * fraction);
  }

  static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  /** A text element. */
  static String text(double x, double y, String anchor, String content) {
    return "<text x=\""
        + c(x)
        + "\" y=\""
        + c(y)
        + "\" text-anchor=\""
        + anchor
        + "\">"
        + esc(content)
        + "</text>";
  }

  /**
   * The opening tag of a per-layer chart: {@code <svg class="chart CLS" data-layer data-kind ...>}
   * with {@code data} (more attributes, each with a leading space) and an accessible label.
   */
  static String open(
      String cls, int layer, String kind, String data, double w, double h, String label) {
    return "<svg class=\"chart "
        + cls
        + "\" data-layer=\""
        + layer
        + "\" data-kind=\""
        + kind
        + "\""
        + data
        + " width=\""
        + c(w)
        + "\" height=\""
        + c(h)
        + "\" role=\"img\" aria-label=\"layer "
        + layer
        + " "
        + kind
        + " "
        + esc(label)
        + "\">";
  }

  /** A line; {@code attrs} are more attributes, each with a leading space. */
  static String line(String cls, double x1, double y1, double x2, double y2, String attrs) {
    return "<line class=\""
        + cls
        + "\" x1=\""
        + c(x1)
        + "\" y1=\""
        + c(y1)
        + "\" x2=\""
        + c(x2)
        + "\" y2=\""
        + c(y2)
        + "\""
        + attrs
        + "/>";
  }

  /** A rectangle (a negative width draws as 0). */
  static String rect(String cls, double x, double y, double w, double h, String attrs) {
    return "<rect class=\""
        + cls
        + "\""
        + attrs
        + " x=\""
        + c(x)
        + "\" y=\""
        + c(y)
        + "\" width=\""
        + c(Math.max(0, w))
        + "\" height=\""
        + c(h)
        + "\"/>";
  }

  /** A circle; {@code inner} is its content (say, a title), may be empty. */
  static String circle(String cls, double cx, double cy, double r, String attrs, String inner) {
    return "<circle class=\""
        + cls
        + "\""
        + attrs
        + " cx=\""
        + c(cx)
        + "\" cy=\""
        + c(cy)
        + "\" r=\""
        + c(r)
        + "\">"
        + inner
        + "</circle>";
  }

  /** An attribute with a leading space: {@code name="value"}. */
  static String attr(String name, Object value) {
    return " " + name + "=\"" + esc(String.valueOf(value)) + "\"";
  }

  /**
   * A linear map from {@code [lo, hi]} to {@code [from, to]}; a zero-width domain is widened to
   * {@code [lo, lo + 1]} so that a layer whose values are all equal still draws.
   */
  record Scale(double lo, double hi, double from, double to) {
    Scale {
      if (!(hi > lo)) {
        hi = lo + 1;
      }
    }

    double at(double v) {
      return from + (v - lo) / (hi - lo) * (to - from);
    }
  }
}
