package org.ppruning.pruning.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finding the report's charts in its HTML or in a browser's DOM dump, for the tests here and the
 * app's browser test.
 */
public final class SvgDom {
  private SvgDom() {}

  /** How often {@code regex} matches in {@code s}. */
  public static int count(String s, String regex) {
    Matcher m = Pattern.compile(regex).matcher(s);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  /** The {@code svg.chart.CLS} element of this layer and kind, start tag to end tag. */
  public static String chart(String dom, String cls, int layer, String kind) {
    Matcher m =
        Pattern.compile(
                "<svg class=\"chart "
                    + cls
                    + "\" data-layer=\""
                    + layer
                    + "\" data-kind=\""
                    + kind
                    + "\".*?</svg>",
                Pattern.DOTALL)
            .matcher(dom);
    assertTrue(m.find(), "no " + cls + " chart of layer " + layer + " " + kind);
    return m.group();
  }
}
