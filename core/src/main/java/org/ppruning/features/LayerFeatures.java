package org.ppruning.features;

import org.ppruning.model.FloatTensor;

/**
 * Step 1 output for one layer: unit activations at the sampled tokens and unit salience.
 *
 * @param heads          [k, heads * headSize]: the attention output projection's input (per-head
 *                       context vectors) at the k sampled tokens, in token-hash order
 * @param neurons        [k, ffn]: post-activation inputs of the second FFN matrix there
 * @param headSalience   per head, mean |context| over all non-padding tokens (and its dims)
 * @param neuronSalience per neuron, mean |activation| over all non-padding tokens
 */
public record LayerFeatures(
    FloatTensor heads, FloatTensor neurons, double[] headSalience, double[] neuronSalience) {}
