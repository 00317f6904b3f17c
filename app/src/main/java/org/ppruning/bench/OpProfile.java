package org.ppruning.bench;

import java.util.Map;
import java.util.TreeMap;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;

/**
 * An op-level profile of one encoder call: TensorFlow's step statistics (a FULL_TRACE run), each
 * op's wall time summed per op type, printed largest first. Ops of one call overlap on the inter-op
 * threads, so the sum can exceed the call's time.
 */
final class OpProfile {
  private OpProfile() {}

  static void print(String label, TransformerModel m, TokenBatch input) {
    RunMetadata md =
        m.traced(
            input,
            "sequence_output",
            RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.FULL_TRACE).build());
    Map<String, double[]> byType = new TreeMap<>(); // type -> {ms, count}
    double total = 0;
    for (DeviceStepStats d : md.getStepStats().getDevStatsList()) {
      for (NodeExecStats n : d.getNodeStatsList()) {
        String l = n.getTimelineLabel();
        int eq = l.indexOf(" = ");
        int paren = l.indexOf('(', eq + 3);
        String type = eq < 0 || paren < 0 ? n.getNodeName() : l.substring(eq + 3, paren);
        double ms = n.getAllEndRelMicros() / 1000.0;
        total += ms;
        double[] t = byType.computeIfAbsent(type, k -> new double[2]);
        t[0] += ms;
        t[1]++;
      }
    }
    StringBuilder sb = new StringBuilder();
    byType.entrySet().stream()
        .sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0]))
        .limit(10)
        .forEach(
            e ->
                sb.append(
                    String.format(
                        " %s %.1f ms (%d)", e.getKey(), e.getValue()[0], (int) e.getValue()[1])));
    System.out.printf("ops %s: sum %.1f ms;%s%n", label, total, sb);
  }
}
