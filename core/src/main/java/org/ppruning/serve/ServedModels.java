package org.ppruning.serve;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.ppruning.stream.ModelRepository;

/**
 * Each task's latest good model version, swapped without losing a request.
 *
 * <p>A swap ({@link #offer}) loads the new version, runs one real request through it, checks the
 * {@link SwapPolicy}, then switches the task's reference atomically; requests that leased the old
 * version finish on it, and it closes when the last of them ends. A version that fails any step is
 * closed, the old one keeps serving, and the {@link SwapResult} says why. Swaps of one task are
 * serialized; serving never waits for a swap.
 *
 * <p>Usage:
 *
 * <pre>{@code
 * ServedModels served = new ServedModels(SwapPolicy.always(), 0, r -> log(r));
 * served.scan(new ModelRepository(root));            // at start and periodically
 * served.offer("sentiment", 4, dir, Map.of("accuracy", 0.91));   // a new fine-tuned version
 * try (Lease l = served.acquire("sentiment", null, null)) {
 *   l.version().model().serve(batch);
 * }
 * }</pre>
 */
public final class ServedModels implements AutoCloseable {
  /** Version labels that name the served version. */
  public static final List<String> LABELS = List.of("latest", "stable");

  private final SwapPolicy policy;
  private final int maxLength;
  private final Consumer<SwapResult> listener;
  private final Map<String, AtomicReference<ServedVersion>> served = new ConcurrentHashMap<>();
  private final Map<String, Object> swapLocks = new ConcurrentHashMap<>();
  // task -> version -> reason; a scan does not retry a refused version (an explicit offer does).
  private final Map<String, Map<Long, String>> refused = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * @param maxLength most tokens per input, or 0 for each model's positions
   * @param listener told of every accepted or refused version (logs, metrics, events)
   */
  public ServedModels(SwapPolicy policy, int maxLength, Consumer<SwapResult> listener) {
    this.policy = policy;
    this.maxLength = maxLength;
    this.listener = listener;
  }

  /**
   * Leases the served version of {@code task}.
   *
   * @param version a version number that must be the served one, or null for the served one
   * @param label {@code latest} or {@code stable} (both the served version), or null
   * @throws ServingException NOT_FOUND naming the task, version or label that is not served
   */
  public Lease acquire(String task, Long version, String label) {
    AtomicReference<ServedVersion> ref = task == null ? null : served.get(task);
    if (ref == null || ref.get() == null) {
      throw ServingException.notFound(
          "model '" + task + "' is not served; served models: " + tasks());
    }
    if (label != null && !label.isEmpty() && !LABELS.contains(label)) {
      throw ServingException.notFound(
          "model '" + task + "' has no version label '" + label + "'; labels: " + LABELS);
    }
    while (true) {
      ServedVersion v = ref.get();
      if (v == null) {
        throw ServingException.notFound("model '" + task + "' is not served any more");
      }
      if (v.tryAcquire()) {
        if (version != null && version != v.version()) {
          v.release();
          throw ServingException.notFound(
              "version "
                  + version
                  + " of model '"
                  + task
                  + "' is not served; the served version is "
                  + v.version());
        }
        return new Lease(v);
      }
      // v was swapped out and closed between get() and tryAcquire(): the reference is new now.
    }
  }

  /** Served task ids, sorted. */
  public List<String> tasks() {
    List<String> t = new ArrayList<>();
    served.forEach(
        (k, v) -> {
          if (v.get() != null) {
            t.add(k);
          }
        });
    Collections.sort(t);
    return t;
  }

  /** Task -> served version number. */
  public Map<String, Long> versions() {
    Map<String, Long> out = new TreeMap<>();
    served.forEach(
        (k, v) -> {
          ServedVersion s = v.get();
          if (s != null) {
            out.put(k, s.version());
          }
        });
    return out;
  }

  /**
   * The versions of {@code task} a status API reports, newest first: the served one AVAILABLE,
   * refused ones END with the reason.
   *
   * @throws ServingException NOT_FOUND if the task has no served or refused version
   */
  public List<VersionStatus> status(String task) {
    List<VersionStatus> out = new ArrayList<>();
    AtomicReference<ServedVersion> ref = task == null ? null : served.get(task);
    ServedVersion v = ref == null ? null : ref.get();
    if (v != null) {
      out.add(new VersionStatus(v.version(), VersionStatus.State.AVAILABLE, null));
    }
    refused
        .getOrDefault(task, Map.of())
        .forEach(
            (version, why) -> out.add(new VersionStatus(version, VersionStatus.State.END, why)));
    if (out.isEmpty()) {
      throw ServingException.notFound(
          "model '" + task + "' is not served; served models: " + tasks());
    }
    out.sort((a, b) -> Long.compare(b.version(), a.version()));
    return out;
  }

  /**
   * The status of one version of {@code task} (by number or by label), or of all its versions when
   * both are null: what TensorFlow Serving's GetModelStatus and REST status calls report.
   *
   * @throws ServingException NOT_FOUND naming the task, version or label that is unknown
   */
  public List<VersionStatus> status(String task, Long version, String label) {
    List<VersionStatus> all = status(task);
    Long wanted = version;
    if (label != null && !label.isEmpty()) {
      wanted = labels(task).get(label);
      if (wanted == null) {
        throw ServingException.notFound(
            "model '" + task + "' has no version label '" + label + "'; labels: " + labels(task));
      }
    }
    if (wanted == null) {
      return all;
    }
    for (VersionStatus s : all) {
      if (s.version() == wanted) {
        return List.of(s);
      }
    }
    throw ServingException.notFound(
        "model '" + task + "' has no version " + wanted + "; versions: " + versionsOf(all));
  }

  private static List<Long> versionsOf(List<VersionStatus> status) {
    return status.stream().map(VersionStatus::version).toList();
  }

  /** Version labels of {@code task} and the version each names; empty if the task is not served. */
  public Map<String, Long> labels(String task) {
    AtomicReference<ServedVersion> ref = task == null ? null : served.get(task);
    ServedVersion v = ref == null ? null : ref.get();
    Map<String, Long> out = new TreeMap<>();
    if (v != null) {
      for (String l : LABELS) {
        out.put(l, v.version());
      }
    }
    return out;
  }

  /** Versions refused so far: task -> version -> reason. */
  public Map<String, Map<Long, String>> refusals() {
    Map<String, Map<Long, String>> out = new TreeMap<>();
    refused.forEach((k, v) -> out.put(k, Map.copyOf(v)));
    return out;
  }

  /**
   * Offers a new version of a task: loads and warms it up, checks the policy and swaps it in, or
   * refuses it and keeps the served one.
   *
   * @param metrics its evaluation results, or null to read the spec's metadata {@code metrics}
   */
  public SwapResult offer(String task, long version, Path dir, Map<String, Double> metrics) {
    ModelRepository.checkTask(task);
    synchronized (swapLocks.computeIfAbsent(task, k -> new Object())) {
      if (closed) {
        throw new IllegalStateException("serving is closed; cannot offer " + task + " " + version);
      }
      AtomicReference<ServedVersion> ref =
          served.computeIfAbsent(task, k -> new AtomicReference<>());
      ServedVersion current = ref.get();
      long previous = current == null ? 0 : current.version();
      if (current != null && version <= previous) {
        return report(
            new SwapResult(
                task,
                version,
                dir,
                false,
                previous,
                "version " + version + " is not newer than the served version " + previous,
                0,
                0));
      }
      long t0 = System.nanoTime();
      ServedVersion candidate;
      try {
        candidate = ServedVersion.load(task, version, dir, metrics, maxLength);
      } catch (IOException | RuntimeException e) {
        return report(
            new SwapResult(
                task,
                version,
                dir,
                false,
                previous,
                "failed to load: " + message(e),
                millis(t0),
                0));
      }
      long load = millis(t0);
      long t1 = System.nanoTime();
      String why;
      try {
        candidate.warmUp();
        why = policy.refusal(candidate, current);
      } catch (RuntimeException e) {
        why = "failed its warm-up request: " + message(e);
      }
      long warm = millis(t1);
      if (why != null) {
        candidate.release();
        return report(new SwapResult(task, version, dir, false, previous, why, load, warm));
      }
      ref.set(candidate);
      if (current != null) {
        current.release(); // closes once the requests that leased it are done
      }
      return report(
          new SwapResult(
              task,
              version,
              dir,
              true,
              previous,
              current == null ? "first version served" : "replaces version " + previous,
              load,
              warm));
    }
  }

  /**
   * Offers, per task of the repository, its newest versions above the served one, newest first,
   * until one is accepted; versions refused before are skipped.
   *
   * @return what each offer did
   */
  public List<SwapResult> scan(ModelRepository repository) throws IOException {
    List<SwapResult> results = new ArrayList<>();
    for (String task : repository.tasks()) {
      AtomicReference<ServedVersion> ref = served.get(task);
      long current = ref == null || ref.get() == null ? 0 : ref.get().version();
      Map<Long, String> known = refused.getOrDefault(task, Map.of());
      List<Long> versions = new ArrayList<>(repository.versions(task));
      Collections.reverse(versions);
      for (long v : versions) {
        if (v <= current) {
          break;
        }
        if (known.containsKey(v)) {
          continue;
        }
        SwapResult r = offer(task, v, repository.path(task, v), null);
        results.add(r);
        if (r.accepted()) {
          break;
        }
      }
    }
    return results;
  }

  private SwapResult report(SwapResult r) {
    if (r.accepted()) {
      Map<Long, String> m = refused.get(r.task());
      if (m != null) {
        m.remove(r.version());
      }
    } else {
      refused
          .computeIfAbsent(r.task(), k -> new ConcurrentHashMap<>())
          .put(r.version(), r.reason());
    }
    listener.accept(r);
    return r;
  }

  private static String message(Throwable e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }

  private static long millis(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  /** Stops serving: every version closes once its leases end. */
  @Override
  public void close() {
    closed = true;
    for (Map.Entry<String, AtomicReference<ServedVersion>> e : served.entrySet()) {
      synchronized (swapLocks.computeIfAbsent(e.getKey(), k -> new Object())) {
        ServedVersion v = e.getValue().getAndSet(null);
        if (v != null) {
          v.release();
        }
      }
    }
  }
}
