package org.ppruning.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What the demo measured. {@code --json} prints it as one object.
 *
 * @param model the base model
 * @param task the task
 * @param flopsKeepRequested the pruner's budget
 * @param pruned the pruned, fine-tuned version served over gRPC
 * @param unpruned the unpruned model fine-tuned the same way (null without --compare)
 * @param seconds wall time per stage (start, stream, prune, finetune, evaluate, compare, total)
 * @param runDir where the services' logs and repositories are
 */
public record DemoReport(
    String model,
    String task,
    double flopsKeepRequested,
    Figures pruned,
    Figures unpruned,
    Map<String, Double> seconds,
    String runDir) {

  /**
   * One served model's figures on the test split, measured through gRPC.
   *
   * @param servedAs the gRPC model name
   * @param version its version
   * @param accuracy test accuracy of the gRPC answers
   * @param serviceAccuracy the finetuner's own test accuracy for it (its event's metrics; null if
   *     none)
   * @param flopsKept encoder FLOPs relative to the base model
   * @param paramsKept parameters relative to the base model
   * @param modelBytes the SavedModel folder's size on disk
   * @param latencyMs mean wall time of one classify request (one text), client side
   * @param requests requests timed
   */
  public record Figures(
      String servedAs,
      long version,
      double accuracy,
      Double serviceAccuracy,
      double flopsKept,
      double paramsKept,
      long modelBytes,
      double latencyMs,
      int requests) {}

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The {@code --json} object: accuracy, flopsKept, paramsKept, latencyMs, version first. */
  public String toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("accuracy", pruned.accuracy());
    m.put("flopsKept", pruned.flopsKept());
    m.put("paramsKept", pruned.paramsKept());
    m.put("latencyMs", pruned.latencyMs());
    m.put("version", pruned.version());
    m.put("modelBytes", pruned.modelBytes());
    m.put("model", model);
    m.put("task", task);
    m.put("flopsKeepRequested", flopsKeepRequested);
    m.put("pruned", pruned);
    if (unpruned != null) {
      m.put("unpruned", unpruned);
    }
    m.put("seconds", seconds);
    m.put("runDir", runDir);
    try {
      return JSON.writeValueAsString(m);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the report as JSON", e);
    }
  }

  /** The human report. */
  public String toText() {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "ppruning demo: %s on %s, %.0f%% of the FLOPs requested%n",
            model,
            task,
            flopsKeepRequested * 100));
    b.append(
        String.format(
            Locale.ROOT,
            "%-26s %-16s%s%n",
            "",
            "pruned (v" + pruned.version() + ")",
            unpruned == null ? "" : "unpruned"));
    row(
        b,
        "test accuracy (gRPC)",
        pct(pruned.accuracy()),
        unpruned == null ? null : pct(unpruned.accuracy()));
    row(
        b,
        "  finetuner's own",
        pruned.serviceAccuracy() == null ? "-" : pct(pruned.serviceAccuracy()),
        unpruned == null ? null : "-");
    row(
        b,
        "FLOPs kept",
        pct(pruned.flopsKept()),
        unpruned == null ? null : pct(unpruned.flopsKept()));
    row(
        b,
        "parameters kept",
        pct(pruned.paramsKept()),
        unpruned == null ? null : pct(unpruned.paramsKept()));
    row(
        b,
        "model size on disk",
        mb(pruned.modelBytes()),
        unpruned == null ? null : mb(unpruned.modelBytes()));
    row(
        b,
        "mean latency / request",
        ms(pruned.latencyMs()),
        unpruned == null ? null : ms(unpruned.latencyMs()));
    b.append(
        String.format(
            Locale.ROOT,
            "(%d test requests of one text each over gRPC ppruning.v1 Classify)%n",
            pruned.requests()));
    StringBuilder t = new StringBuilder();
    seconds.forEach(
        (k, v) ->
            t.append(t.length() == 0 ? "" : ", ")
                .append(k)
                .append(' ')
                .append(String.format(Locale.ROOT, "%.0f s", v)));
    b.append("time: ").append(t).append(System.lineSeparator());
    b.append("logs and models: ").append(runDir).append(System.lineSeparator());
    return b.toString();
  }

  private static void row(StringBuilder b, String name, String a, String c) {
    b.append(String.format(Locale.ROOT, "%-26s %-16s%s%n", name, a, c == null ? "" : c));
  }

  private static String pct(double v) {
    return String.format(Locale.ROOT, "%.1f%%", v * 100);
  }

  private static String mb(long bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
  }

  private static String ms(double v) {
    return String.format(Locale.ROOT, "%.1f ms", v);
  }
}
