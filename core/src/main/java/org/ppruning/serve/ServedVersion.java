package org.ppruning.serve;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.ppruning.graph.Precision;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelSpec;
import org.ppruning.tokenize.TextTokenizer;

/**
 * One loaded version of a task's model: its TensorFlow session, its tokenizer (if it has one) and
 * the metrics it was evaluated with. Reference counted: the registry holds one reference while the
 * version is served and every {@link Lease} one more; the session closes when the count reaches
 * zero, so requests in flight finish on the version they started on.
 */
public final class ServedVersion {
  private final String task;
  private final long version;
  private final Path dir;
  private final TransformerModel model;
  private final TextTokenizer tokenizer;
  private final Map<String, Double> metrics;
  private final int maxLength;
  private final AtomicInteger refs = new AtomicInteger(1); // the registry's own reference
  private volatile boolean closed;

  private ServedVersion(
      String task,
      long version,
      Path dir,
      TransformerModel model,
      TextTokenizer tokenizer,
      Map<String, Double> metrics,
      int maxLength) {
    this.task = task;
    this.version = version;
    this.dir = dir;
    this.model = model;
    this.tokenizer = tokenizer;
    this.metrics = Map.copyOf(metrics);
    this.maxLength = maxLength;
  }

  /**
   * Loads a SavedModel and its tokenizer.
   *
   * @param metrics its evaluation results, or null to take them from the spec's metadata {@code
   *     metrics} (a map of name to number)
   * @param maxLength the most tokens a request may have; the model's positions if larger or <= 0
   * @param precision what the session computes in ({@link Precision}; the same SavedModel)
   */
  static ServedVersion load(
      String task,
      long version,
      Path dir,
      Map<String, Double> metrics,
      int maxLength,
      Precision precision)
      throws IOException {
    TransformerModel m = TransformerModel.load(dir, precision);
    try {
      TextTokenizer tok = m.tokenizerJson() == null ? null : TextTokenizer.load(m.tokenizerJson());
      int positions = m.spec().maxPositions();
      int max = maxLength <= 0 ? positions : Math.min(maxLength, positions);
      return new ServedVersion(
          task,
          version,
          dir.toAbsolutePath().normalize(),
          m,
          tok,
          metrics != null ? metrics : recordedMetrics(m.spec()),
          max);
    } catch (IOException | RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /** The spec's metadata {@code metrics}: name -> number; other entries are ignored. */
  static Map<String, Double> recordedMetrics(ModelSpec spec) {
    Map<String, Double> out = new LinkedHashMap<>();
    if (spec.metadata().get("metrics") instanceof Map<?, ?> m) {
      m.forEach(
          (k, v) -> {
            if (v instanceof Number n) {
              out.put(String.valueOf(k), n.doubleValue());
            }
          });
    }
    return out;
  }

  /**
   * One real request through {@code serving_default}: a short text through the tokenizer (or a few
   * token ids if there is none). Fails if the run fails or an output is not finite.
   */
  void warmUp() {
    TokenBatch batch;
    if (tokenizer != null) {
      batch = tokenizer.encode(java.util.List.of("warm-up request"), null, maxLength);
    } else {
      int len = Math.min(4, maxLength);
      int[] ids = new int[len];
      int[] mask = new int[len];
      java.util.Arrays.fill(ids, 1);
      java.util.Arrays.fill(mask, 1);
      batch = new TokenBatch(1, len, ids, mask, new int[len]);
    }
    // Sorted, so that the first bad output named is always the same one.
    for (Map.Entry<String, FloatTensor> e :
        new java.util.TreeMap<>(model.serve(batch)).entrySet()) {
      for (float x : e.getValue().data()) {
        if (!Float.isFinite(x)) {
          throw new IllegalStateException("warm-up output '" + e.getKey() + "' holds " + x);
        }
      }
    }
  }

  /** Takes a reference unless the version is already closing. */
  boolean tryAcquire() {
    while (true) {
      int r = refs.get();
      if (r == 0) {
        return false;
      }
      if (refs.compareAndSet(r, r + 1)) {
        return true;
      }
    }
  }

  void release() {
    int r = refs.decrementAndGet();
    if (r == 0) {
      closed = true;
      model.close();
      if (tokenizer != null) {
        tokenizer.close();
      }
    } else if (r < 0) {
      throw new IllegalStateException(this + " released more often than acquired");
    }
  }

  public String task() {
    return task;
  }

  public long version() {
    return version;
  }

  public Path dir() {
    return dir;
  }

  /** What this version's session computes in (ListModels reports it). */
  public Precision precision() {
    return model.precision();
  }

  public TransformerModel model() {
    return model;
  }

  public ModelSpec spec() {
    return model.spec();
  }

  /** The tokenizer that came with the model, or null. */
  public TextTokenizer tokenizer() {
    return tokenizer;
  }

  public Map<String, Double> metrics() {
    return metrics;
  }

  /** The most tokens (special tokens included) one input may have. */
  public int maxLength() {
    return maxLength;
  }

  /** True once the session is closed (the version was retired and its last lease ended). */
  public boolean closed() {
    return closed;
  }

  @Override
  public String toString() {
    return "model '" + task + "' version " + version;
  }
}
