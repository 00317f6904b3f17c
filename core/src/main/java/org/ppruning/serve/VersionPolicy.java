package org.ppruning.serve;

import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which versions of a model are served (TensorFlow Serving's {@code ServableVersionPolicy}): the
 * newest {@code n} that pass the {@link SwapPolicy}, every version, or the versions an operator
 * pinned.
 */
public sealed interface VersionPolicy {

  /**
   * The newest {@code n} versions; a version newer than the served ones must pass the swap policy.
   */
  record Latest(int numVersions) implements VersionPolicy {
    public Latest {
      if (numVersions < 1) {
        throw new IllegalArgumentException(
            "latest { num_versions } must be >= 1, got " + numVersions);
      }
    }
  }

  /** Every version in the model's folder (no swap policy: the operator asked for all of them). */
  record All() implements VersionPolicy {}

  /** Exactly these versions (no swap policy: pinned versions are the operator's choice). */
  record Specific(SortedSet<Long> versions) implements VersionPolicy {
    public Specific {
      if (versions.isEmpty()) {
        throw new IllegalArgumentException("specific { versions } names no version");
      }
      for (long v : versions) {
        if (v < 1) {
          throw new IllegalArgumentException("specific version must be >= 1, got " + v);
        }
      }
      versions = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(versions));
    }

    /** The versions {@code vs}. */
    public static Specific of(List<Long> vs) {
      return new Specific(new TreeSet<>(vs));
    }
  }

  /** TensorFlow Serving's default: the newest version. */
  static VersionPolicy latest() {
    return new Latest(1);
  }
}
