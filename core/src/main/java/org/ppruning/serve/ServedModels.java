package org.ppruning.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.ppruning.graph.Precision;
import org.ppruning.stream.ModelRepository;

/**
 * The served versions of each model, swapped without losing a request.
 *
 * <p>Without a {@link ServingConfig} every task of the repository serves its newest good version.
 * With one ({@link #configure}, a {@code models.config}) only the listed models are served, each
 * with its {@link VersionPolicy}: the newest {@code n}, all, or pinned versions, and the version
 * labels it assigns.
 *
 * <p>A new version is loaded, runs one real request, and (under a {@code latest} policy, when it is
 * newer than the served ones) must pass the {@link SwapPolicy}; the set of served versions is then
 * replaced atomically. Requests that leased a version finish on it; it closes when the last of them
 * ends. A version that fails any step is closed, the served ones keep serving, and the {@link
 * SwapResult} says why. Swap-policy decisions are stored in the version's folder ({@link
 * SwapDecision}): a restarted server keeps refusing a refused version and compares new versions
 * with the last accepted one. A version not served because of models.config (not pinned, not
 * listed) is decided again by every scan, so a changed models.config serves it. Swaps of one model
 * are serialized; serving never waits for a swap.
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
  /** Version labels that name the newest served version unless models.config assigns them. */
  public static final List<String> LABELS = List.of("latest", "stable");

  private final SwapPolicy policy;
  private final int maxLength;
  private final Precision precision;
  private final Consumer<SwapResult> listener;
  private final Consumer<String> warnings;
  private final Map<String, TaskVersions> tasks = new ConcurrentHashMap<>();
  private volatile ServingConfig config;
  private volatile boolean closed;

  /**
   * @param maxLength most tokens per input, or 0 for each model's positions
   * @param listener told of every accepted or refused version (logs, metrics, events)
   */
  public ServedModels(SwapPolicy policy, int maxLength, Consumer<SwapResult> listener) {
    this(policy, maxLength, listener, w -> System.err.println("WARNING: " + w));
  }

  /**
   * @param warnings told of problems that refuse nothing (a decision that cannot be stored, a label
   *     that names an unserved version)
   */
  public ServedModels(
      SwapPolicy policy, int maxLength, Consumer<SwapResult> listener, Consumer<String> warnings) {
    this(policy, maxLength, Precision.FP32, listener, warnings);
  }

  /**
   * @param precision what every served version's session computes in ({@link Precision}); the
   *     caller checks it is supported first ({@link Precision#requireSupported}), else every load
   *     fails with that error
   */
  public ServedModels(
      SwapPolicy policy,
      int maxLength,
      Precision precision,
      Consumer<SwapResult> listener,
      Consumer<String> warnings) {
    this.policy = policy;
    this.maxLength = maxLength;
    this.precision = precision;
    this.listener = listener;
    this.warnings = warnings;
  }

  /**
   * Serves what {@code c} lists from the next {@link #scan} on; null serves every task's newest
   * version (no models.config).
   */
  public void configure(ServingConfig c) {
    this.config = c;
  }

  /** The models.config in force, or null. */
  public ServingConfig config() {
    return config;
  }

  /**
   * Leases a served version of {@code task}.
   *
   * @param version a served version number, or null
   * @param label a version label ({@link #labels}), or null; neither: the newest served version
   * @throws ServingException NOT_FOUND naming the task, version or label that is not served, and
   *     why when it is known
   */
  public Lease acquire(String task, Long version, String label) {
    TaskVersions t = task == null ? null : tasks.get(task);
    if (t == null || t.snapshot.versions().isEmpty()) {
      throw notServed(task);
    }
    while (true) {
      TaskVersions.Snapshot s = t.snapshot;
      if (s.versions().isEmpty()) {
        throw ServingException.notFound("model '" + task + "' is not served any more");
      }
      ServedVersion v;
      if (version != null) {
        v = s.versions().get(version);
        if (v == null) {
          throw versionNotServed(t, s, version);
        }
      } else if (label != null && !label.isEmpty()) {
        Long want = t.labels().get(label);
        if (want == null) {
          Long configured = s.labels().get(label);
          if (configured != null) {
            String why = t.whyNotServed(configured);
            throw ServingException.notFound(
                "version label '"
                    + label
                    + "' of model '"
                    + task
                    + "' names version "
                    + configured
                    + ", which is not served"
                    + (why == null ? " (not in the repository)" : " (" + why + ")"));
          }
          throw ServingException.notFound(
              "model '"
                  + task
                  + "' has no version label '"
                  + label
                  + "'; labels: "
                  + t.labels().keySet());
        }
        v = s.versions().get(want);
        if (v == null) {
          continue; // swapped between labels() and the snapshot read: read again
        }
      } else {
        v = s.newest();
      }
      if (v.tryAcquire()) {
        return new Lease(v);
      }
      // v was retired and closed between the read and tryAcquire(): the snapshot is new now.
    }
  }

  private ServingException notServed(String task) {
    ServingConfig c = config;
    String notListed =
        c != null && task != null && c.model(task) == null
            ? "; it is not in models.config (models: " + c.names() + ")"
            : "";
    return ServingException.notFound(
        "model '" + task + "' is not served; served models: " + tasks() + notListed);
  }

  private static ServingException versionNotServed(
      TaskVersions t, TaskVersions.Snapshot s, long version) {
    String why = t.whyNotServed(version);
    return ServingException.notFound(
        "version "
            + version
            + " of model '"
            + t.task
            + "' is not served; "
            + (s.versions().size() == 1
                ? "the served version is " + s.newest().version()
                : "the served versions are " + s.versions().keySet())
            + (why == null ? "" : " (" + why + ")"));
  }

  /** Served task ids, sorted. */
  public List<String> tasks() {
    List<String> t = new ArrayList<>();
    tasks.forEach(
        (k, v) -> {
          if (!v.snapshot.versions().isEmpty()) {
            t.add(k);
          }
        });
    Collections.sort(t);
    return t;
  }

  /** Task -> newest served version number. */
  public Map<String, Long> versions() {
    Map<String, Long> out = new TreeMap<>();
    tasks.forEach(
        (k, v) -> {
          ServedVersion s = v.snapshot.newest();
          if (s != null) {
            out.put(k, s.version());
          }
        });
    return out;
  }

  /** Task -> every served version number, ascending. */
  public Map<String, List<Long>> servedVersions() {
    Map<String, List<Long>> out = new TreeMap<>();
    tasks.forEach(
        (k, v) -> {
          if (!v.snapshot.versions().isEmpty()) {
            out.put(k, List.copyOf(v.snapshot.versions().keySet()));
          }
        });
    return out;
  }

  /**
   * Every version of {@code task} the server knows, newest first: served ones AVAILABLE, loading
   * ones LOADING, replaced ones UNLOADING until their last request ends and END after; refused,
   * broken and pinned-but-missing ones END with the reason.
   *
   * @throws ServingException NOT_FOUND if the server knows no version of the task
   */
  public List<VersionStatus> status(String task) {
    TaskVersions t = task == null ? null : tasks.get(task);
    List<VersionStatus> out = t == null ? List.of() : t.status();
    if (out.isEmpty()) {
      throw notServed(task);
    }
    return out;
  }

  /**
   * The status of one version of {@code task} (by number or by label), or of all its versions when
   * both are null: what TensorFlow Serving's GetModelStatus and REST status calls report. A label
   * models.config assigns to a version that is not served gives that version's status.
   *
   * @throws ServingException NOT_FOUND naming the task, version or label that is unknown
   */
  public List<VersionStatus> status(String task, Long version, String label) {
    List<VersionStatus> all = status(task);
    Long wanted = version;
    if (label != null && !label.isEmpty()) {
      wanted = labels(task).get(label);
      if (wanted == null) {
        wanted = tasks.get(task).snapshot.labels().get(label);
      }
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

  /**
   * Version labels of {@code task} that name a served version, and that version: models.config's
   * {@code version_labels}, and {@code latest}/{@code stable} (the newest served version) unless it
   * assigns them. Empty if the task is not served.
   */
  public Map<String, Long> labels(String task) {
    TaskVersions t = task == null ? null : tasks.get(task);
    return t == null ? new TreeMap<>() : t.labels();
  }

  /** Versions refused or broken so far: task -> version -> reason. */
  public Map<String, Map<Long, String>> refusals() {
    Map<String, Map<Long, String>> out = new TreeMap<>();
    tasks.forEach(
        (k, t) -> {
          Map<Long, String> m = new TreeMap<>(t.refused);
          m.putAll(t.broken);
          if (!m.isEmpty()) {
            out.put(k, Map.copyOf(m));
          }
        });
    return out;
  }

  private TaskVersions state(String task) {
    return tasks.computeIfAbsent(task, TaskVersions::new);
  }

  /**
   * Offers a new version of a task: loads and warms it up, checks the policy and serves it, or
   * refuses it and keeps the served ones. Evaluated afresh even if refused before (the decision is
   * stored again).
   *
   * @param metrics its evaluation results, or null to read the spec's metadata {@code metrics}
   */
  public SwapResult offer(String task, long version, Path dir, Map<String, Double> metrics) {
    ModelRepository.checkTask(task);
    TaskVersions t = state(task);
    synchronized (t.lock) {
      if (closed) {
        throw new IllegalStateException("serving is closed; cannot offer " + task + " " + version);
      }
      ServingConfig c = config;
      ModelConfig mc = c == null ? null : c.model(task);
      TaskVersions.Snapshot cur = t.snapshot;
      ServedVersion newest = cur.newest();
      long previous = newest == null ? 0 : newest.version();
      String why = null;
      if (c != null && mc == null) {
        why = "model '" + task + "' is not in models.config (models: " + c.names() + ")";
      }
      VersionPolicy vp = mc == null ? VersionPolicy.latest() : mc.policy();
      if (why == null
          && vp instanceof VersionPolicy.Specific s
          && !s.versions().contains(version)) {
        why = "models.config pins model '" + task + "' to versions " + s.versions();
      }
      boolean latest = vp instanceof VersionPolicy.Latest;
      if (why == null && cur.versions().containsKey(version)) {
        why = "version " + version + " is already served";
      }
      if (why == null && latest && newest != null && version <= previous) {
        why = "version " + version + " is not newer than the served version " + previous;
      }
      if (why != null) {
        t.skipped.put(version, why);
        return report(new SwapResult(task, version, dir, false, previous, why, 0, 0));
      }
      Baseline base = latest ? baseline(t, cur, dir.toAbsolutePath().getParent(), version) : null;
      Loaded l = load(t, version, dir, metrics, base, previous);
      if (l.refusal() != null) {
        return report(l.refusal());
      }
      NavigableMap<Long, ServedVersion> next = new TreeMap<>(cur.versions());
      next.put(version, l.version());
      if (vp instanceof VersionPolicy.Latest n) {
        while (next.size() > n.numVersions()) {
          next.pollFirstEntry();
        }
      }
      t.publish(next, mc == null ? Map.of() : mc.labels());
      checkLabels(t);
      return report(accepted(t, version, dir, previous, l));
    }
  }

  /**
   * Brings every model to what its policy asks for: without models.config each task of the
   * repository serves its newest good version (versions refused before are skipped); with one, each
   * listed model serves the versions of its policy and models not listed are unloaded.
   *
   * @return what each offer did
   */
  public List<SwapResult> scan(ModelRepository repository) throws IOException {
    List<SwapResult> results = new ArrayList<>();
    ServingConfig c = config;
    if (c != null) {
      for (TaskVersions t : tasks.values()) {
        if (c.model(t.task) == null && !t.snapshot.versions().isEmpty()) {
          synchronized (t.lock) {
            t.publish(new TreeMap<>(), Map.of());
            t.missing = Map.of();
          }
        }
      }
    }
    List<String> names = c == null ? repository.tasks() : c.names();
    for (String task : names) {
      ModelConfig mc = c == null ? null : c.model(task);
      results.addAll(
          sync(
              state(task),
              mc == null ? VersionPolicy.latest() : mc.policy(),
              mc == null ? Map.of() : mc.labels(),
              repository));
    }
    return results;
  }

  private List<SwapResult> sync(
      TaskVersions t, VersionPolicy vp, Map<String, Long> labels, ModelRepository repository)
      throws IOException {
    List<SwapResult> out = new ArrayList<>();
    synchronized (t.lock) {
      if (closed) {
        return out;
      }
      List<Long> available = repository.versions(t.task);
      TaskVersions.Snapshot cur = t.snapshot;
      long previous = cur.newest() == null ? 0 : cur.newest().version();
      NavigableMap<Long, ServedVersion> next = new TreeMap<>();
      Map<Long, Loaded> loaded = new TreeMap<>();
      Map<Long, String> missing = new TreeMap<>();
      t.skipped.clear();
      if (vp instanceof VersionPolicy.Latest n) {
        Baseline base = null;
        for (long v : reversed(available)) {
          if (next.size() >= n.numVersions()) {
            break;
          }
          ServedVersion s = cur.versions().get(v);
          if (s != null) {
            next.put(v, s);
            continue;
          }
          if (t.refused.containsKey(v) || t.broken.containsKey(v)) {
            continue;
          }
          if (base == null) {
            base = baseline(t, cur, repository.root().resolve(t.task), Long.MAX_VALUE);
          }
          Path dir = repository.path(t.task, v);
          Baseline check = v > base.version() ? base : null;
          SwapDecision d = decision(dir);
          if (d != null && check != null) {
            if (!d.accepted()) {
              String why = d.reason() + " (decided before: " + dir.resolve(SwapDecision.FILE) + ")";
              t.refused.put(v, why);
              out.add(report(new SwapResult(t.task, v, dir, false, previous, why, 0, 0)));
              continue;
            }
            check = null; // accepted before by this policy: not compared again
          }
          Loaded l = load(t, v, dir, recordedMetrics(d), check, previous);
          if (l.refusal() != null) {
            out.add(report(l.refusal()));
            continue;
          }
          next.put(v, l.version());
          loaded.put(v, l);
        }
      } else {
        SortedSet<Long> want =
            vp instanceof VersionPolicy.Specific s ? s.versions() : new TreeSet<>(available);
        for (long v : available) {
          if (!want.contains(v)) {
            t.skipped.put(v, "models.config pins model '" + t.task + "' to versions " + want);
          }
        }
        for (long v : want) {
          ServedVersion s = cur.versions().get(v);
          if (s != null) {
            next.put(v, s);
          } else if (!available.contains(v)) {
            missing.put(
                v,
                "models.config asks for version "
                    + v
                    + " of model '"
                    + t.task
                    + "', which is not in "
                    + repository.root().resolve(t.task));
          } else if (!t.broken.containsKey(v)) {
            Path dir = repository.path(t.task, v);
            Loaded l = load(t, v, dir, recordedMetrics(decision(dir)), null, previous);
            if (l.refusal() != null) {
              out.add(report(l.refusal()));
            } else {
              next.put(v, l.version());
              loaded.put(v, l);
            }
          }
        }
      }
      t.missing = missing;
      t.publish(next, labels);
      checkLabels(t);
      for (Map.Entry<Long, Loaded> e : loaded.entrySet()) {
        out.add(
            report(accepted(t, e.getKey(), e.getValue().version().dir(), previous, e.getValue())));
      }
    }
    return out;
  }

  /** The decision this policy stored in {@code dir}, or null. */
  private SwapDecision decision(Path dir) {
    SwapDecision d = SwapDecision.read(dir, warnings);
    return d != null && d.madeBy(policy) ? d : null;
  }

  /**
   * The metrics an accepted decision recorded (those the version was offered with, e.g. from its
   * model event), so that a restarted server compares with them; null: the spec's metadata.
   */
  private static Map<String, Double> recordedMetrics(SwapDecision d) {
    return d != null && d.accepted() ? d.metrics() : null;
  }

  private static List<Long> reversed(List<Long> ascending) {
    List<Long> r = new ArrayList<>(ascending);
    Collections.reverse(r);
    return r;
  }

  /** The version a candidate is compared with, and its metrics. */
  private record Baseline(long version, Map<String, Double> metrics) {}

  /**
   * The newest served version; if none is served (a restart), the newest version below {@code
   * below} in {@code taskDir} whose stored decision by this policy accepted it.
   */
  private Baseline baseline(TaskVersions t, TaskVersions.Snapshot cur, Path taskDir, long below) {
    ServedVersion newest = cur.newest();
    if (newest != null) {
      return new Baseline(newest.version(), newest.metrics());
    }
    List<Long> versions = new ArrayList<>();
    if (taskDir != null && Files.isDirectory(taskDir)) {
      try (Stream<Path> s = Files.list(taskDir)) {
        s.map(p -> p.getFileName().toString())
            .filter(n -> n.matches("[1-9][0-9]{0,17}"))
            .map(Long::parseLong)
            .filter(v -> v < below)
            .forEach(versions::add);
      } catch (IOException e) {
        warnings.accept("cannot list " + taskDir + " for a recorded baseline: " + e.getMessage());
      }
    }
    versions.sort(Collections.reverseOrder());
    for (long v : versions) {
      SwapDecision d = SwapDecision.read(taskDir.resolve(Long.toString(v)), warnings);
      if (d != null && d.accepted() && d.madeBy(policy)) {
        return new Baseline(v, d.metrics());
      }
    }
    return new Baseline(0, Map.of());
  }

  /** A loaded, warmed-up version that passed, or why not (then {@code version} is null). */
  private record Loaded(ServedVersion version, SwapResult refusal, long loadMillis, long warm) {}

  /**
   * Loads and warms up a version; with a baseline, checks the swap policy and stores the decision.
   * A refused or broken version is recorded (not tried again by a scan) and closed.
   */
  private Loaded load(
      TaskVersions t,
      long version,
      Path dir,
      Map<String, Double> metrics,
      Baseline base,
      long previous) {
    t.loading.add(version);
    try {
      long t0 = System.nanoTime();
      ServedVersion candidate;
      try {
        candidate = ServedVersion.load(t.task, version, dir, metrics, maxLength, precision);
      } catch (IOException | RuntimeException e) {
        String why = "failed to load: " + message(e);
        t.broken.put(version, why);
        return new Loaded(
            null, new SwapResult(t.task, version, dir, false, previous, why, millis(t0), 0), 0, 0);
      }
      long load = millis(t0);
      long t1 = System.nanoTime();
      try {
        candidate.warmUp();
      } catch (RuntimeException e) {
        candidate.release();
        String why = "failed its warm-up request: " + message(e);
        t.broken.put(version, why);
        return new Loaded(
            null,
            new SwapResult(t.task, version, dir, false, previous, why, load, millis(t1)),
            0,
            0);
      }
      long warm = millis(t1);
      if (base != null) {
        String why = policy.refusal(candidate.metrics(), base.version(), base.metrics());
        String passed =
            base.version() == 0
                ? "no earlier version to compare with"
                : "not worse than version " + base.version() + " by the swap policy";
        new SwapDecision(
                why == null,
                policy.metric(),
                policy.tolerance(),
                candidate.metrics(),
                base.version(),
                base.metrics(),
                why == null ? passed : why)
            .write(dir, warnings);
        if (why != null) {
          candidate.release();
          t.refused.put(version, why);
          return new Loaded(
              null, new SwapResult(t.task, version, dir, false, previous, why, load, warm), 0, 0);
        }
      }
      return new Loaded(candidate, null, load, warm);
    } finally {
      t.loading.remove(version);
    }
  }

  private static SwapResult accepted(
      TaskVersions t, long version, Path dir, long previous, Loaded l) {
    NavigableMap<Long, ServedVersion> now = t.snapshot.versions();
    String reason;
    if (now.size() > 1) {
      reason = "serves versions " + now.keySet();
    } else if (previous == 0) {
      reason = "first version served";
    } else {
      reason = "replaces version " + previous;
    }
    return new SwapResult(t.task, version, dir, true, previous, reason, l.loadMillis(), l.warm());
  }

  private void checkLabels(TaskVersions t) {
    String p = t.labelProblems();
    if (!p.equals(t.labelProblem)) {
      t.labelProblem = p;
      if (!p.isEmpty()) {
        warnings.accept(p + "; requests for the label are refused until it is");
      }
    }
  }

  private SwapResult report(SwapResult r) {
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
    for (TaskVersions t : tasks.values()) {
      synchronized (t.lock) {
        t.publish(new TreeMap<>(), Map.of());
      }
    }
  }
}
