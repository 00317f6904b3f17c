package org.ppruning.graph;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * What one forward pass produces.
 *
 * @param outputs serving outputs by signature name
 * @param contexts per layer, the input of the attention output projection [N, heads * dh], or null
 *     for a layer with no heads
 * @param ffnActivations per layer, the post-GELU input of the second FFN matrix [N, ffn], or null
 *     for a layer with no neurons
 * @param hidden per layer, its output [N, d] (bert: after the last LayerNorm; gpt2: the residual
 *     stream)
 */
public record Forward(
    Map<String, Operand<TFloat32>> outputs,
    List<Operand<TFloat32>> contexts,
    List<Operand<TFloat32>> ffnActivations,
    List<Operand<TFloat32>> hidden) {}
