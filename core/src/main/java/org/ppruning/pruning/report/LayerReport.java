package org.ppruning.pruning.report;

/**
 * One transformer layer in the report.
 *
 * @param layer layer index, from 0
 * @param heads its attention heads
 * @param neurons its FFN neurons
 */
public record LayerReport(int layer, UnitReport heads, UnitReport neurons) {

  public LayerReport {
    if (heads == null || neurons == null) {
      throw new IllegalArgumentException("layer " + layer + " report lacks its heads or neurons");
    }
  }
}
