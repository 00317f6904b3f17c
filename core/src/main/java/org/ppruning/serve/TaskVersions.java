package org.ppruning.serve;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One model's versions as {@link ServedModels} knows them: the served ones (an immutable snapshot
 * replaced whole, so a request sees one consistent set), the ones loading, retired, refused, broken
 * or pinned but missing. Changed only under {@link #lock}; read by requests without locking.
 */
final class TaskVersions {
  /** Served versions (ascending) and the labels models.config assigned (may name unserved ones). */
  record Snapshot(NavigableMap<Long, ServedVersion> versions, Map<String, Long> labels) {
    static final Snapshot EMPTY =
        new Snapshot(Collections.unmodifiableNavigableMap(new TreeMap<>()), Map.of());

    ServedVersion newest() {
      return versions.isEmpty() ? null : versions.lastEntry().getValue();
    }
  }

  final String task;
  final Object lock = new Object();
  volatile Snapshot snapshot = Snapshot.EMPTY;
  final Set<Long> loading = ConcurrentHashMap.newKeySet();

  /** Refused by the swap policy (or not newer): a scan does not try them again. */
  final Map<Long, String> refused = new ConcurrentHashMap<>();

  /**
   * Not served because of models.config or ordering (not pinned, not listed, not newer): unlike
   * {@link #refused}, decided again by the next scan, so that a changed models.config can serve
   * them.
   */
  final Map<Long, String> skipped = new ConcurrentHashMap<>();

  /** Failed to load or warm up: not tried again by a scan. */
  final Map<Long, String> broken = new ConcurrentHashMap<>();

  /** Pinned by models.config but not in the repository. */
  volatile Map<Long, String> missing = Map.of();

  /** Replaced versions still finishing leased requests (UNLOADING), END once closed. */
  final Map<Long, ServedVersion> retired = new ConcurrentHashMap<>();

  /** The last label problem reported, so that it is reported once. */
  String labelProblem = "";

  TaskVersions(String task) {
    this.task = task;
  }

  /**
   * Serves {@code next} with {@code labels}: versions of the old snapshot not in {@code next} are
   * released (each closes when its last lease ends).
   */
  void publish(NavigableMap<Long, ServedVersion> next, Map<String, Long> labels) {
    Snapshot old = snapshot;
    snapshot = new Snapshot(Collections.unmodifiableNavigableMap(new TreeMap<>(next)), labels);
    for (Map.Entry<Long, ServedVersion> e : old.versions().entrySet()) {
      if (next.get(e.getKey()) != e.getValue()) {
        retired.put(e.getKey(), e.getValue());
        e.getValue().release();
      }
    }
    for (long v : next.keySet()) {
      retired.remove(v);
      refused.remove(v);
      broken.remove(v);
      skipped.remove(v);
    }
  }

  /**
   * Every version known, newest first (AVAILABLE, LOADING, UNLOADING, END with or without error).
   */
  List<VersionStatus> status() {
    Map<Long, VersionStatus> out = new TreeMap<>(Collections.reverseOrder());
    skipped.forEach((v, why) -> out.put(v, new VersionStatus(v, VersionStatus.State.END, why)));
    retired.forEach(
        (v, s) ->
            out.put(
                v,
                new VersionStatus(
                    v,
                    s.closed() ? VersionStatus.State.END : VersionStatus.State.UNLOADING,
                    null)));
    refused.forEach((v, why) -> out.put(v, new VersionStatus(v, VersionStatus.State.END, why)));
    broken.forEach((v, why) -> out.put(v, new VersionStatus(v, VersionStatus.State.END, why)));
    missing.forEach((v, why) -> out.put(v, new VersionStatus(v, VersionStatus.State.END, why)));
    for (long v : loading) {
      out.put(v, new VersionStatus(v, VersionStatus.State.LOADING, null));
    }
    for (long v : snapshot.versions().keySet()) {
      out.put(v, new VersionStatus(v, VersionStatus.State.AVAILABLE, null));
    }
    return List.copyOf(out.values());
  }

  /**
   * Labels that name a served version: models.config's, and {@code latest}/{@code stable} (the
   * newest served version) unless models.config assigns them.
   */
  Map<String, Long> labels() {
    Snapshot s = snapshot;
    Map<String, Long> out = new TreeMap<>();
    ServedVersion newest = s.newest();
    if (newest != null) {
      for (String l : ServedModels.LABELS) {
        out.put(l, newest.version());
      }
    }
    s.labels()
        .forEach(
            (l, v) -> {
              if (s.versions().containsKey(v)) {
                out.put(l, v);
              } else {
                out.remove(l);
              }
            });
    return out;
  }

  /** Why {@code version} is not served, or null if nothing is known of it. */
  String whyNotServed(long version) {
    for (VersionStatus st : status()) {
      if (st.version() == version) {
        return st.error() != null
            ? "version " + version + " ended: " + st.error()
            : "version " + version + " is " + st.state();
      }
    }
    return null;
  }

  /** Labels of the snapshot that name no served version, described; empty if none. */
  String labelProblems() {
    Snapshot s = snapshot;
    StringBuilder b = new StringBuilder();
    s.labels()
        .forEach(
            (l, v) -> {
              if (!s.versions().containsKey(v)) {
                String why = whyNotServed(v);
                b.append(b.length() == 0 ? "" : "; ")
                    .append("label '")
                    .append(l)
                    .append("' of model '")
                    .append(task)
                    .append("' names version ")
                    .append(v)
                    .append(", which is not served")
                    .append(why == null ? " (not in the repository)" : " (" + why + ")");
              }
            });
    return b.toString();
  }
}
