package org.ppruning.features;

import java.util.List;

/**
 * Step 1 of P-pruning (Wang et al., 2024, Sec. 3.1): what the model's units do on task inputs.
 *
 * @param layers        per-layer features
 * @param headSize      values per head in {@link LayerFeatures#heads()}
 * @param samples       task samples profiled
 * @param tokens        non-padding tokens seen (salience is averaged over these)
 * @param sampledTokens rows of the feature matrices (k)
 * @param seed          token-sampling seed
 * @param meanLength    mean tokens per sample (special tokens included): the task's sequence length
 *                      for FLOPs accounting
 */
public record ActivationFeatures(List<LayerFeatures> layers, int headSize, int samples,
    long tokens, int sampledTokens, long seed, double meanLength) {}
