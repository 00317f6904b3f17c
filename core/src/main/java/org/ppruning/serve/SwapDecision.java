package org.ppruning.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.ppruning.fetch.AtomicFiles;

/**
 * What the {@link SwapPolicy} decided about a version, stored in the version's folder as {@value
 * #FILE} so that a restarted server (or another replica sharing the repository) keeps refusing a
 * refused version and compares new candidates against the last accepted one.
 *
 * <p>The file is written atomically and durably (temporary file, fsync, rename, fsync of the
 * folder) and holds no time or host: two replicas that decide the same version against the same
 * baseline write the same bytes, so concurrent writes are harmless. A repository that cannot be
 * written (read-only volume) is tolerated: the decision is kept in memory and a warning says so.
 *
 * @param accepted true if the version was swapped in
 * @param metric the compared metric, or null if the policy compares none
 * @param tolerance the policy's tolerance
 * @param metrics the version's own metrics (a later candidate's baseline if it was accepted)
 * @param baselineVersion the version it was compared with, or 0 if none
 * @param baselineMetrics that version's metrics (empty if none)
 * @param reason why it was refused, or what the swap did
 */
public record SwapDecision(
    boolean accepted,
    String metric,
    double tolerance,
    Map<String, Double> metrics,
    long baselineVersion,
    Map<String, Double> baselineMetrics,
    String reason) {
  /** The file name inside a version's folder. */
  public static final String FILE = "swap-decision.json";

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  public SwapDecision {
    metrics = Map.copyOf(metrics == null ? Map.of() : metrics);
    baselineMetrics = Map.copyOf(baselineMetrics == null ? Map.of() : baselineMetrics);
  }

  /** True if this decision was made by {@code policy} (same metric and tolerance). */
  boolean madeBy(SwapPolicy policy) {
    return java.util.Objects.equals(metric, policy.metric()) && tolerance == policy.tolerance();
  }

  /**
   * The decision recorded in {@code versionDir}, or null if there is none; an unreadable or
   * malformed file is reported to {@code warnings} and treated as none.
   */
  static SwapDecision read(Path versionDir, Consumer<String> warnings) {
    Path f = versionDir.resolve(FILE);
    try {
      Map<?, ?> m = JSON.readValue(Files.readAllBytes(f), Map.class);
      Object accepted = m.get("outcome");
      if (!"accepted".equals(accepted) && !"refused".equals(accepted)) {
        throw new IOException("outcome is " + accepted + ", not accepted or refused");
      }
      return new SwapDecision(
          "accepted".equals(accepted),
          m.get("metric") instanceof String s ? s : null,
          m.get("tolerance") instanceof Number n ? n.doubleValue() : 0,
          numbers(m.get("metrics")),
          m.get("baseline_version") instanceof Number n ? n.longValue() : 0,
          numbers(m.get("baseline_metrics")),
          m.get("reason") instanceof String s ? s : "");
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException | RuntimeException e) {
      warnings.accept(
          "ignoring the swap decision " + f + ", which cannot be read: " + e.getMessage());
      return null;
    }
  }

  /** Stores this decision in {@code versionDir}; a failure is reported to {@code warnings}. */
  void write(Path versionDir, Consumer<String> warnings) {
    Path f = versionDir.resolve(FILE);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("outcome", accepted ? "accepted" : "refused");
    m.put("metric", metric);
    m.put("tolerance", tolerance);
    m.put("metrics", new TreeMap<>(metrics));
    m.put("baseline_version", baselineVersion);
    m.put("baseline_metrics", new TreeMap<>(baselineMetrics));
    m.put("reason", reason);
    try {
      byte[] bytes = JSON.writeValueAsBytes(m);
      if (Files.isRegularFile(f) && java.util.Arrays.equals(Files.readAllBytes(f), bytes)) {
        return; // another replica (or an earlier run) recorded the same decision
      }
      AtomicFiles.writeBytesDurably(f, bytes);
    } catch (IOException | RuntimeException e) {
      warnings.accept(
          "cannot record the swap decision in "
              + f
              + " ("
              + e.getClass().getSimpleName()
              + ": "
              + e.getMessage()
              + "; read-only repository?): a restarted server will decide this version again");
    }
  }

  private static Map<String, Double> numbers(Object o) {
    Map<String, Double> out = new TreeMap<>();
    if (o instanceof Map<?, ?> m) {
      m.forEach(
          (k, v) -> {
            if (v instanceof Number n) {
              out.put(String.valueOf(k), n.doubleValue());
            }
          });
    }
    return out;
  }
}
