package org.ppruning.pruning.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.model.CostModel;
import org.ppruning.model.ModelSpec;

/**
 * {@code pruning-report.json} and {@code pruning-report.html}: per layer, heads and neurons before
 * and after, the original indices kept, cluster sizes; thresholds, FLOPs and parameters before and
 * after, stage timings.
 */
public final class PruningReport {
  private PruningReport() {}

  public static Map<String, Object> build(
      ModelSpec before,
      ModelSpec after,
      PPruning.Config c,
      PPruning.Result r,
      ActivationFeatures f,
      Map<String, Double> seconds) {
    int s = c.budget().seqLen();
    long flopsBefore = CostModel.encoderFlops(before, s);
    long flopsAfter = CostModel.encoderFlops(after, s);
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("method", c.method().id());
    o.put("linkage", c.linkage().name().toLowerCase());
    o.put(
        "budget",
        Map.of(
            "kind",
            c.budget().kind().name().toLowerCase(),
            "keep",
            c.budget().keep(),
            "lambda",
            c.budget().lambda(),
            "seqLen",
            s));
    o.put("flopsKept", (double) flopsAfter / flopsBefore);
    o.put("flopsBefore", flopsBefore);
    o.put("flopsAfter", flopsAfter);
    o.put("paramsBefore", CostModel.totalParams(before));
    o.put("paramsAfter", CostModel.totalParams(after));
    o.put("thresholds", Map.of("heads", r.heads().threshold(), "neurons", r.neurons().threshold()));
    o.put("samples", f.samples());
    o.put("tokens", f.tokens());
    o.put("sampledTokens", f.sampledTokens());
    o.put("seed", f.seed());
    List<Map<String, Object>> layers = new ArrayList<>();
    for (int l = 0; l < before.numLayers(); l++) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("layer", l);
      m.put("headsBefore", before.layers().get(l).heads());
      m.put("headsAfter", after.layers().get(l).heads());
      m.put("ffnBefore", before.layers().get(l).ffn());
      m.put("ffnAfter", after.layers().get(l).ffn());
      m.put("keptHeads", after.layers().get(l).keptHeads());
      m.put("keptNeurons", after.layers().get(l).keptNeurons());
      m.put("headClusterSizes", r.headClusters().get(l));
      m.put("neuronClusterSizes", histogram(r.neuronClusters().get(l)));
      layers.add(m);
    }
    o.put("layers", layers);
    o.put("seconds", seconds);
    return o;
  }

  /** Cluster sizes as {size: count}, which stays short for 3,072 neurons. */
  private static Map<Integer, Integer> histogram(int[] sizes) {
    Map<Integer, Integer> h = new java.util.TreeMap<>();
    for (int x : sizes) {
      h.merge(x, 1, Integer::sum);
    }
    return h;
  }

  public static void write(Map<String, Object> report, Path dir) throws IOException {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    Files.writeString(dir.resolve("pruning-report.json"), json.writeValueAsString(report));
    Files.writeString(dir.resolve("pruning-report.html"), html(report));
  }

  @SuppressWarnings("unchecked")
  static String html(Map<String, Object> r) {
    StringBuilder b = new StringBuilder();
    b.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>ppruning report</title>")
        .append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}")
        .append("td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}")
        .append(".bar{background:#4a7;height:10px;display:inline-block}</style></head><body>")
        .append("<h1>Pruning report</h1><p>")
        .append(
            esc(
                String.format(
                    "method %s, linkage %s, budget %s; FLOPs kept %.2f%% (%,d -> %,d),"
                        + " parameters %,d -> %,d; thresholds %s; %s samples, %s tokens, %s sampled, seed %s",
                    r.get("method"),
                    r.get("linkage"),
                    r.get("budget"),
                    100 * (Double) r.get("flopsKept"),
                    r.get("flopsBefore"),
                    r.get("flopsAfter"),
                    r.get("paramsBefore"),
                    r.get("paramsAfter"),
                    r.get("thresholds"),
                    r.get("samples"),
                    r.get("tokens"),
                    r.get("sampledTokens"),
                    r.get("seed"))))
        .append("</p><table><tr><th>layer</th><th>heads</th><th></th><th>FFN</th><th></th>")
        .append("<th>kept heads</th><th>head clusters</th></tr>");
    for (Map<String, Object> l : (List<Map<String, Object>>) r.get("layers")) {
      int hb = (Integer) l.get("headsBefore");
      int ha = (Integer) l.get("headsAfter");
      int fb = (Integer) l.get("ffnBefore");
      int fa = (Integer) l.get("ffnAfter");
      b.append("<tr><td>")
          .append(l.get("layer"))
          .append("</td><td>")
          .append(ha)
          .append(" / ")
          .append(hb)
          .append("</td><td>")
          .append(bar(ha, hb))
          .append("</td><td>")
          .append(fa)
          .append(" / ")
          .append(fb)
          .append("</td><td>")
          .append(bar(fa, fb))
          .append("</td><td>")
          .append(esc(java.util.Arrays.toString((int[]) l.get("keptHeads"))))
          .append("</td><td>")
          .append(esc(java.util.Arrays.toString((int[]) l.get("headClusterSizes"))))
          .append("</td></tr>");
    }
    b.append("</table><h2>Stage timings (s)</h2><p>")
        .append(esc(String.valueOf(r.get("seconds"))))
        .append("</p></body></html>\n");
    return b.toString();
  }

  private static String bar(int a, int b) {
    int w = b == 0 ? 0 : (int) Math.round(100.0 * a / b);
    return "<span class=\"bar\" style=\"width:" + w + "px\"></span>";
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
