package org.ppruning.pruning.report;

import java.util.Arrays;
import java.util.Optional;

/**
 * One layer's units of one kind (heads or FFN neurons) as the report shows them. Positions are
 * indices into the layer of the model that was pruned ({@code 0 .. before-1}); {@code keptOriginal}
 * are the same kept units as indices of the original model (lineage, as the spec's {@code
 * keptHeads} / {@code keptNeurons}), which differ only if the pruned model was itself pruned.
 *
 * <p>Immutable: arrays are copied in and out.
 *
 * @param before units before pruning, {@code >= 0}
 * @param kept positions kept, strictly ascending, each below {@code before}
 * @param keptOriginal original indices of the kept units, as many as {@code kept}
 * @param salience per position, the unit's mean |activation| (step 1), finite; {@code before}
 *     values
 * @param mergeHeights the layer's dendrogram merge heights, non-decreasing and finite: {@code
 *     before - 1} of them, none for a layer of 0 or 1 unit
 * @param clusters clusters the threshold cut the dendrogram into ({@code 0} for a layer of 0 units)
 */
public record UnitReport(
    int before,
    int[] kept,
    int[] keptOriginal,
    double[] salience,
    double[] mergeHeights,
    int clusters) {

  public UnitReport {
    if (before < 0) {
      throw new IllegalArgumentException("a layer has " + before + " units, expected >= 0");
    }
    kept = kept.clone();
    keptOriginal = keptOriginal.clone();
    salience = salience.clone();
    mergeHeights = mergeHeights.clone();
    for (int i = 0; i < kept.length; i++) {
      if (kept[i] < 0 || kept[i] >= before || (i > 0 && kept[i] <= kept[i - 1])) {
        throw new IllegalArgumentException(
            "kept positions "
                + Arrays.toString(kept)
                + " of "
                + before
                + " units: expected strictly ascending positions below "
                + before);
      }
    }
    if (keptOriginal.length != kept.length) {
      throw new IllegalArgumentException(
          kept.length + " kept positions but " + keptOriginal.length + " original indices");
    }
    if (salience.length != before) {
      throw new IllegalArgumentException(
          salience.length + " salience values for " + before + " units");
    }
    int merges = Math.max(before - 1, 0);
    if (mergeHeights.length != merges) {
      throw new IllegalArgumentException(
          mergeHeights.length + " merge heights for " + before + " units, expected " + merges);
    }
    for (double s : salience) {
      if (!Double.isFinite(s)) {
        throw new IllegalArgumentException("salience " + s + " is not a finite number");
      }
    }
    for (int k = 0; k < mergeHeights.length; k++) {
      double h = mergeHeights[k];
      if (!Double.isFinite(h) || (k > 0 && h < mergeHeights[k - 1])) {
        throw new IllegalArgumentException(
            "merge height " + k + " is " + h + ": expected finite, non-decreasing heights");
      }
    }
    if (clusters < 0 || clusters > before || (before > 0 && clusters == 0)) {
      throw new IllegalArgumentException(clusters + " clusters of " + before + " units");
    }
  }

  /** Units kept. */
  public int after() {
    return kept.length;
  }

  /** Merges at or below {@code threshold}: the ones the cut applied. */
  public int mergesApplied(double threshold) {
    int n = 0;
    while (n < mergeHeights.length && mergeHeights[n] <= threshold) {
      n++;
    }
    return n;
  }

  /** Positions removed, ascending. */
  public int[] removed() {
    boolean[] k = new boolean[before];
    for (int p : kept) {
      k[p] = true;
    }
    int[] out = new int[before - kept.length];
    int j = 0;
    for (int i = 0; i < before; i++) {
      if (!k[i]) {
        out[j++] = i;
      }
    }
    return out;
  }

  /** Salience of the kept units, in position order. */
  public double[] keptSalience() {
    return Arrays.stream(kept).mapToDouble(p -> salience[p]).toArray();
  }

  /** Salience of the removed units, in position order. */
  public double[] removedSalience() {
    return Arrays.stream(removed()).mapToDouble(p -> salience[p]).toArray();
  }

  /** Quartiles of the kept units' salience; empty if none is kept. */
  public Optional<Quartiles> keptStats() {
    return Quartiles.of(keptSalience());
  }

  /** Quartiles of the removed units' salience; empty if none is removed. */
  public Optional<Quartiles> removedStats() {
    return Quartiles.of(removedSalience());
  }

  @Override
  public int[] kept() {
    return kept.clone();
  }

  @Override
  public int[] keptOriginal() {
    return keptOriginal.clone();
  }

  @Override
  public double[] salience() {
    return salience.clone();
  }

  @Override
  public double[] mergeHeights() {
    return mergeHeights.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UnitReport u
        && before == u.before
        && clusters == u.clusters
        && Arrays.equals(kept, u.kept)
        && Arrays.equals(keptOriginal, u.keptOriginal)
        && Arrays.equals(salience, u.salience)
        && Arrays.equals(mergeHeights, u.mergeHeights);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(
        new int[] {
          before,
          clusters,
          Arrays.hashCode(kept),
          Arrays.hashCode(keptOriginal),
          Arrays.hashCode(salience),
          Arrays.hashCode(mergeHeights)
        });
  }

  @Override
  public String toString() {
    return "UnitReport[" + kept.length + " of " + before + " kept, " + clusters + " clusters]";
  }
}
