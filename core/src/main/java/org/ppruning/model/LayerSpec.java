package org.ppruning.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Arrays;

/**
 * One transformer block's width, as the original unit indices it still holds (lineage). Its head
 * count and FFN width are the lengths of these lists; either may be 0, in which case the sub-block
 * adds only its output bias to the residual.
 *
 * @param keptHeads original head indices, ascending
 * @param keptNeurons original FFN neuron indices, ascending
 */
public record LayerSpec(int[] keptHeads, int[] keptNeurons) {

  public LayerSpec {
    checkAscending("keptHeads", keptHeads);
    checkAscending("keptNeurons", keptNeurons);
  }

  /** An unpruned layer: all {@code heads} heads and {@code ffn} neurons. */
  public static LayerSpec full(int heads, int ffn) {
    return new LayerSpec(range(heads), range(ffn));
  }

  @JsonIgnore
  public int heads() {
    return keptHeads.length;
  }

  @JsonIgnore
  public int ffn() {
    return keptNeurons.length;
  }

  static int[] range(int n) {
    int[] r = new int[n];
    for (int i = 0; i < n; i++) {
      r[i] = i;
    }
    return r;
  }

  private static void checkAscending(String what, int[] idx) {
    if (idx == null) {
      throw new IllegalArgumentException(what + " is missing");
    }
    for (int i = 0; i < idx.length; i++) {
      if (idx[i] < 0 || (i > 0 && idx[i] <= idx[i - 1])) {
        throw new IllegalArgumentException(
            what + " must be distinct non-negative ascending indices, got " + Arrays.toString(idx));
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LayerSpec l
        && Arrays.equals(keptHeads, l.keptHeads)
        && Arrays.equals(keptNeurons, l.keptNeurons);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(keptHeads) + Arrays.hashCode(keptNeurons);
  }

  @Override
  public String toString() {
    return "LayerSpec[heads=" + heads() + ", ffn=" + ffn() + "]";
  }
}
