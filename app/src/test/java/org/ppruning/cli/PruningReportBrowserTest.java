package org.ppruning.cli;

import static org.junit.jupiter.api.Assertions.*;
import static org.ppruning.pruning.report.SvgDom.chart;
import static org.ppruning.pruning.report.SvgDom.count;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ppruning prune} on a tiny BERT, then its {@code pruning-report.html} rendered by headless
 * Chromium: the DOM holds every chart, with the plan's numbers (from {@code pruning-report.json}),
 * and the screenshot shows them (pixels in the kept, removed and cut colours). Needs Debian's
 * {@code chromium}; fails saying so without it.
 */
class PruningReportBrowserTest {
  @TempDir Path tmp;

  // The charts' colours (org.ppruning.pruning.report.Svg): kept, removed, threshold cut.
  static final int KEPT = 0x2b8a3e;
  static final int REMOVED = 0xc92a2a;
  static final int CUT = 0x1864ab;

  @Test
  void chromiumRendersEveryChartWithThePlansNumbers() throws Exception {
    HeadlessChromium chromium = HeadlessChromium.find(tmp);
    TinyPruneInputs in = TinyPruneInputs.create(tmp);
    Path out = tmp.resolve("pruned");
    CliRunner r =
        CliRunner.run(
            "prune",
            "--model",
            in.model().toString(),
            "--samples",
            in.samples().toString(),
            "--flops-keep",
            "0.7",
            "--tokens",
            "100",
            "--linkage",
            "direct",
            "--out",
            out.toString(),
            "--json");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode report = new ObjectMapper().readTree(out.resolve("pruning-report.json").toFile());
    Path page = out.resolve("pruning-report.html");

    String dom = chromium.dumpDom(page);
    assertEquals(4, count(dom, "<svg class=\"chart merges\""), "2 layers x heads, neurons");
    assertEquals(4, count(dom, "<svg class=\"chart salience\""));
    assertEquals(1, count(dom, "<svg class=\"chart budget\""));
    assertEquals(3, count(dom, "<line class=\"target\""), "FLOPs targets: attention, FFN, total");
    int removed = 0;
    for (int l = 0; l < 2; l++) {
      for (String kind : new String[] {"heads", "neurons"}) {
        JsonNode u = report.at("/layers/" + l + "/" + kind);
        int before = u.get("before").asInt();
        int after = u.get("after").asInt();
        int applied = u.get("mergesApplied").asInt();
        removed += before - after;
        assertTrue(
            dom.contains(
                "data-layer=\""
                    + l
                    + "\" data-kind=\""
                    + kind
                    + "\" data-kept=\""
                    + after
                    + "\" data-before=\""
                    + before
                    + "\""),
            "width bar of layer " + l + " " + kind);
        // Merges: one dot per merge (4 heads, 32 neurons: below the polyline limit), the cut.
        String merges = chart(dom, "merges", l, kind);
        assertEquals(applied, count(merges, "<circle class=\"merge applied\""), merges);
        assertEquals(before - 1 - applied, count(merges, "<circle class=\"merge above\""));
        assertEquals(1, count(merges, "<line class=\"cut\""));
        assertEquals(
            report.at("/layers/" + l + "/" + kind + "/clusters").asInt(), before - applied);
        // Salience: one dot per unit, kept and removed as the plan says.
        String salience = chart(dom, "salience", l, kind);
        assertEquals(after, count(salience, "<circle class=\"unit kept\""), salience);
        assertEquals(before - after, count(salience, "<circle class=\"unit removed\""));
        for (JsonNode k : u.get("kept")) {
          assertTrue(salience.contains("class=\"unit kept\" data-unit=\"" + k.asInt() + "\""));
        }
      }
    }
    assertTrue(removed > 0, "the budget removed units");
    assertFalse(dom.contains("NaN"));

    BufferedImage png =
        ImageIO.read(chromium.screenshot(page, 1200, 1400, tmp.resolve("report.png")).toFile());
    assertNotNull(png, "chromium's screenshot is a PNG");
    assertEquals(1200, png.getWidth());
    assertEquals(1400, png.getHeight());
    int kept = 0;
    int red = 0;
    int cut = 0;
    for (int y = 0; y < png.getHeight(); y++) {
      for (int x = 0; x < png.getWidth(); x++) {
        int rgb = png.getRGB(x, y) & 0xffffff;
        kept += rgb == KEPT ? 1 : 0;
        red += rgb == REMOVED ? 1 : 0;
        cut += rgb == CUT ? 1 : 0;
      }
    }
    // Bars alone are thousands of kept-colour pixels; dots and the dashed cuts hundreds.
    assertTrue(kept > 5000, "kept-colour pixels: " + kept);
    assertTrue(red > 100, "removed-colour pixels: " + red);
    assertTrue(cut > 100, "cut-colour pixels: " + cut);
  }
}
