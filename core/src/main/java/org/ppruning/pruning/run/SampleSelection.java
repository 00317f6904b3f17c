package org.ppruning.pruning.run;

import java.util.ArrayList;
import java.util.List;
import org.ppruning.data.Sample;
import org.ppruning.features.TokenSampler;

/**
 * Caps the number of samples profiled: keeps the {@code max} samples with the smallest hash of (id,
 * seed), the same bottom-k rule as token sampling, so the choice does not depend on order.
 */
public final class SampleSelection {
  private SampleSelection() {}

  public static List<Sample> atMost(List<Sample> samples, int max, long seed) {
    if (max <= 0) {
      throw new IllegalArgumentException("--samples-max must be > 0, got " + max);
    }
    if (samples.size() <= max) {
      return samples;
    }
    List<Sample> sorted = new ArrayList<>(samples);
    sorted.sort(
        (a, b) ->
            TokenSampler.compare(
                TokenSampler.hash(a.id(), -1, seed),
                a.id(),
                0,
                TokenSampler.hash(b.id(), -1, seed),
                b.id(),
                0));
    List<Sample> kept = new ArrayList<>(sorted.subList(0, max));
    // Back to input order, so profiling order (and progress) follows the file.
    List<Sample> out = new ArrayList<>();
    java.util.Set<String> keep = new java.util.HashSet<>();
    kept.forEach(s -> keep.add(s.id()));
    for (Sample s : samples) {
      if (keep.contains(s.id())) {
        out.add(s);
      }
    }
    return out;
  }
}
