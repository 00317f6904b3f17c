package org.ppruning.pruning.report;

import static org.junit.jupiter.api.Assertions.*;
import static org.ppruning.pruning.report.SvgDom.chart;
import static org.ppruning.pruning.report.SvgDom.count;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The report's charts on hand-made data with the edge cases a real run can produce: a layer that
 * keeps everything, a layer of one unit, a layer of none (empty dendrograms), equal salience
 * everywhere (a zero-width axis); plus the JSON of the same data.
 */
class ReportChartsTest {

  static int[] range(int from, int to) {
    return IntStream.range(from, to).toArray();
  }

  static double[] ramp(int n, double step) {
    return IntStream.range(0, n).mapToDouble(i -> i * step).toArray();
  }

  static UnitReport units(int before, int[] kept, double[] salience, double[] heights, int c) {
    return new UnitReport(before, kept, kept, salience, heights, c);
  }

  /** Three layers: everything kept / one head, no neurons / all equal salience. */
  static ReportData edgeCases() {
    LayerReport allKept =
        new LayerReport(
            0,
            units(4, range(0, 4), new double[] {0.4, 0.1, 0.3, 0.2}, new double[] {.5, .6, .7}, 4),
            // 100 neurons, 40 kept: merges 0..98 at heights 0.01 * k, 60 of them at or below 0.595.
            units(
                100,
                IntStream.range(0, 100).filter(i -> i % 5 < 2).toArray(),
                ramp(100, 0.01),
                ramp(99, 0.01),
                40));
    LayerReport tiny =
        new LayerReport(
            1,
            units(1, new int[] {0}, new double[] {0.7}, new double[0], 1),
            units(0, new int[0], new double[0], new double[0], 0));
    LayerReport flat =
        new LayerReport(
            2,
            units(3, new int[] {1}, new double[3], new double[] {0, 0}, 1),
            units(100, range(0, 100), filled(100, 1.0), filled(99, 0.9), 100));
    return new ReportData(
        "tiny",
        "p-pruning",
        "direct",
        new BudgetReport("flops", 0.5, 5, null, null, 12, 300, 700),
        new Cost(800, 400, 2400, 1400),
        new Cost(80, 40, 240, 140),
        10_000,
        9_000,
        0.2,
        0.595,
        List.of(allKept, tiny, flat),
        10,
        120,
        100,
        7,
        Map.of("clustering", 0.25));
  }

  static double[] filled(int n, double v) {
    double[] a = new double[n];
    java.util.Arrays.fill(a, v);
    return a;
  }

  @Test
  void edgeCasesRenderEveryChartWithoutNaN() {
    String html = ReportHtml.render(edgeCases());
    assertFalse(html.contains("NaN") || html.contains("Infinity"), html);
    assertFalse(html.contains("<script") || html.contains("http"), "self-contained");
    assertEquals(6, count(html, "<svg class=\"chart merges\""));
    assertEquals(6, count(html, "<svg class=\"chart salience\""));
    assertEquals(6, count(html, "<rect class=\"kept\""));

    // Everything kept: no merge applied, three dots above the cut.
    String h0 = chart(html, "merges", 0, "heads");
    assertTrue(h0.contains("data-merges=\"3\" data-applied=\"0\" data-clusters=\"4\""), h0);
    assertEquals(3, count(h0, "<circle class=\"merge above\""));
    assertEquals(1, count(h0, "<line class=\"cut\""));
    String s0 = chart(html, "salience", 0, "heads");
    assertEquals(4, count(s0, "<circle class=\"unit kept\""));
    assertEquals(0, count(s0, "<circle class=\"unit removed\""));

    // 99 merges: polylines, 60 at or below the cut (0.01 * 59 = 0.59 <= 0.595 < 0.60).
    String n0 = chart(html, "merges", 0, "neurons");
    assertTrue(n0.contains("data-merges=\"99\" data-applied=\"60\""), n0);
    assertTrue(n0.contains("<polyline class=\"applied\" data-count=\"60\""), n0);
    assertTrue(n0.contains("<polyline class=\"above\" data-count=\"39\""), n0);
    String b0 = chart(html, "salience", 0, "neurons");
    assertTrue(b0.contains("data-group=\"kept\" data-count=\"40\""), b0);
    assertTrue(b0.contains("data-group=\"removed\" data-count=\"60\""), b0);

    // One head, no neurons: empty dendrograms.
    assertTrue(chart(html, "merges", 1, "heads").contains("no merges (1 unit)"));
    assertTrue(chart(html, "merges", 1, "neurons").contains("no merges (0 units)"));
    assertTrue(
        chart(html, "salience", 1, "neurons").contains("data-kept=\"0\" data-removed=\"0\""));

    // All salience equal (0 for the heads, 1 for the neurons) and nothing removed.
    assertEquals(3, count(chart(html, "salience", 2, "heads"), "<circle class=\"unit "));
    String b2 = chart(html, "salience", 2, "neurons");
    assertTrue(b2.contains("data-group=\"kept\" data-count=\"100\""), b2);
    assertTrue(b2.contains(">none</text>"), b2);

    // Budget: targets in the FLOPs panel only.
    assertEquals(3, count(html, "<line class=\"target\""));
    assertEquals(6, count(html, "<rect class=\"after\""));
    assertTrue(html.contains("data-cost=\"flops\" data-part=\"total\" data-before=\"3200\""));
    assertTrue(html.contains("3,200 → 1,800 (56.25% kept)"), "readable FLOPs");
  }

  @Test
  void jsonHoldsTheSameNumbersAndNullForAnEmptyGroup() throws Exception {
    ObjectMapper m = new ObjectMapper();
    JsonNode j = m.readTree(m.writeValueAsString(ReportJson.toMap(edgeCases())));
    assertEquals("ppruning-report/1", j.get("format").asText());
    assertEquals(1800.0 / 3200, j.get("flopsKept").asDouble(), 1e-15);
    assertEquals(3200, j.get("flopsBefore").asLong());
    assertEquals(400, j.at("/flops/attention/after").asLong());
    assertEquals(320, j.at("/params/total/before").asLong());
    assertEquals(300.0, j.at("/budget/attentionTarget").asDouble());
    assertTrue(j.at("/budget/headsKeep").isNull());
    JsonNode h0 = j.at("/layers/0/heads");
    assertEquals(4, h0.get("after").asInt());
    assertEquals(0, h0.get("mergesApplied").asInt());
    assertTrue(h0.get("salienceRemoved").isNull(), "nothing removed");
    assertEquals(4, h0.at("/salienceKept/count").asInt());
    assertEquals(0.25, h0.at("/salienceKept/median").asDouble(), 1e-12);
    assertEquals(60, j.at("/layers/0/neurons/mergesApplied").asInt());
    assertEquals(0, j.at("/layers/1/heads/mergeHeights").size());
    assertEquals(0, j.at("/layers/1/neurons/before").asInt());
    assertTrue(j.at("/layers/1/neurons/salienceKept").isNull());
    assertEquals(0.595, j.at("/thresholds/neurons").asDouble());
  }

  @Test
  void quartilesInterpolateAsNumpy() {
    Quartiles q = Quartiles.of(new double[] {4, 1, 3, 2}).orElseThrow();
    assertEquals(1.75, q.q1(), 1e-12);
    assertEquals(2.5, q.median(), 1e-12);
    assertEquals(3.25, q.q3(), 1e-12);
    assertEquals(2.5, q.mean(), 1e-12);
    assertEquals(1, q.min());
    assertEquals(4, q.max());
    Quartiles one = Quartiles.of(new double[] {0.3}).orElseThrow();
    assertEquals(0.3, one.q1());
    assertEquals(0.3, one.q3());
    assertTrue(Quartiles.of(new double[0]).isEmpty());
  }

  @Test
  void inconsistentUnitsAreRefusedByName() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> units(3, new int[] {3}, new double[3], new double[2], 1));
    assertTrue(e.getMessage().contains("below 3"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> units(3, new int[] {0}, new double[3], new double[3], 1));
    assertTrue(e.getMessage().contains("3 merge heights for 3 units, expected 2"));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> units(2, new int[] {0}, new double[] {0, Double.NaN}, new double[1], 1));
    assertTrue(e.getMessage().contains("NaN"));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> units(3, new int[] {0}, new double[3], new double[] {0.5, 0.2}, 1));
    assertTrue(e.getMessage().contains("non-decreasing"), e.getMessage());
  }
}
