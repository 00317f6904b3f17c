package org.ppruning.bench;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The load bench's tables: the recorded requests split into phases (by start time), each with its
 * request count, failures by status code, retries, latency p50/p99 and throughput, and the versions
 * that answered.
 */
final class LoadReport {
  /** A named time window, System.nanoTime() bounds. */
  record Phase(String name, long start, long end) {}

  private LoadReport() {}

  /** Markdown table, one row per phase and a total row. */
  static List<String> table(List<LoadClients.Call> calls, List<Phase> phases) {
    List<String> out = new ArrayList<>();
    out.add(
        "| phase | s | requests | failed | retried (UNAVAILABLE once) | p50 ms | p99 ms | max ms"
            + " | requests/s | versions answered |");
    out.add("|---|---|---|---|---|---|---|---|---|---|");
    for (Phase p : phases) {
      out.add(row(p.name(), p.end() - p.start(), in(calls, p.start(), p.end())));
    }
    long first = phases.get(0).start();
    long last = phases.get(phases.size() - 1).end();
    out.add(row("**all**", last - first, in(calls, first, last)));
    return out;
  }

  /** Every failure, one line each, grouped by code and message (empty if none). */
  static List<String> failures(List<LoadClients.Call> calls) {
    Map<String, Integer> n = new TreeMap<>();
    for (LoadClients.Call c : calls) {
      if (c.code() != Status.Code.OK) {
        n.merge(c.kind() + " " + c.code() + ": " + c.error(), 1, Integer::sum);
      }
    }
    List<String> out = new ArrayList<>();
    n.forEach((k, v) -> out.add(v + " x " + k));
    return out;
  }

  private static List<LoadClients.Call> in(List<LoadClients.Call> calls, long from, long to) {
    return calls.stream().filter(c -> c.start() >= from && c.start() < to).toList();
  }

  private static String row(String name, long nanos, List<LoadClients.Call> calls) {
    double seconds = nanos / 1e9;
    Map<Status.Code, Integer> failed = new TreeMap<>();
    Map<Long, Integer> versions = new TreeMap<>();
    int retried = 0;
    List<Double> ok = new ArrayList<>();
    for (LoadClients.Call c : calls) {
      if (c.retriedAfter() != null) {
        retried++;
      }
      if (c.code() == Status.Code.OK) {
        ok.add(c.millis());
        versions.merge(c.version(), 1, Integer::sum);
      } else {
        failed.merge(c.code(), 1, Integer::sum);
      }
    }
    double[] ms = ok.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int nFailed = failed.values().stream().mapToInt(Integer::intValue).sum();
    StringBuilder v = new StringBuilder();
    versions.forEach((k, c) -> v.append(v.length() == 0 ? "" : ", ").append("v" + k + ": " + c));
    return String.format(
        Locale.ROOT,
        "| %s | %.1f | %d | %s | %d | %s | %s | %s | %.1f | %s |",
        name,
        seconds,
        calls.size(),
        nFailed == 0 ? "0" : nFailed + " " + failed,
        retried,
        quantile(ms, 0.5),
        quantile(ms, 0.99),
        ms.length == 0 ? "-" : String.format(Locale.ROOT, "%.0f", ms[ms.length - 1]),
        ok.size() / seconds,
        v);
  }

  private static String quantile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return "-";
    }
    double x = sorted[(int) Math.round(q * (sorted.length - 1))];
    return String.format(Locale.ROOT, "%.1f", x);
  }
}
