package org.ppruning.features;

import java.util.List;

/**
 * Step 1 of P-pruning (Wang et al., 2024, Sec. 3.1): what the model's units do on task inputs.
 * Immutable: the layer list is copied and unmodifiable, and {@link LayerFeatures} copies its
 * arrays.
 *
 * @param layers per-layer features, each with {@code sampledTokens} rows
 * @param headSize values per head in {@link LayerFeatures#heads()}, {@code > 0}
 * @param samples task samples profiled, {@code > 0}
 * @param tokens non-padding tokens seen (salience is averaged over these), at least {@code
 *     sampledTokens}
 * @param sampledTokens rows of the feature matrices (k), {@code > 0}
 * @param seed token-sampling seed
 * @param meanLength mean tokens per sample (special tokens included): the task's sequence length
 *     for FLOPs accounting
 */
public record ActivationFeatures(
    List<LayerFeatures> layers,
    int headSize,
    int samples,
    long tokens,
    int sampledTokens,
    long seed,
    double meanLength) {

  public ActivationFeatures {
    if (layers == null) {
      throw new IllegalArgumentException("activation features are missing their layers");
    }
    for (int l = 0; l < layers.size(); l++) {
      if (layers.get(l) == null) { // List.copyOf would only say NullPointerException
        throw new IllegalArgumentException("activation features are missing layer " + l);
      }
    }
    if (headSize <= 0 || sampledTokens <= 0 || samples <= 0) {
      throw new IllegalArgumentException(
          "head size, sampled tokens and samples must be > 0, got "
              + headSize
              + ", "
              + sampledTokens
              + " and "
              + samples);
    }
    if (tokens < sampledTokens) {
      throw new IllegalArgumentException(
          sampledTokens + " sampled tokens out of only " + tokens + " tokens");
    }
    if (!(meanLength > 0) || Double.isInfinite(meanLength)) {
      throw new IllegalArgumentException(
          "mean sample length must be finite and > 0, got " + meanLength);
    }
    layers = List.copyOf(layers);
    for (int l = 0; l < layers.size(); l++) {
      LayerFeatures f = layers.get(l);
      if (f.rows() != sampledTokens) {
        throw new IllegalArgumentException(
            "layer "
                + l
                + " has "
                + f.rows()
                + " token rows,"
                + " expected "
                + sampledTokens
                + " (the sampled tokens)");
      }
      if ((long) f.headCount() * headSize != f.headWidth()) {
        throw new IllegalArgumentException(
            "layer "
                + l
                + " has head activations "
                + f.headWidth()
                + " wide for "
                + f.headCount()
                + " heads of size "
                + headSize);
      }
    }
  }
}
