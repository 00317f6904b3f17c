package org.ppruning.model;

import java.util.ArrayList;
import java.util.List;

/**
 * FLOPs and parameter counts, per layer, as the P-pruning reference code counts them (after Kwon et
 * al., "A Fast Post-Training Pruning Framework for Transformers", 2022): for a sequence of {@code
 * s} tokens, width {@code d} and head size {@code dh},
 *
 * <ul>
 *   <li>one head costs {@code 3*s*d*dh + 2*s^2*dh + s*dh*d} (query/key/value projections, scores
 *       and weighted sum, its share of the output projection);
 *   <li>one FFN neuron costs {@code 2*s*d} (its column of the first matrix, its row of the second).
 * </ul>
 *
 * Each term counts multiply-accumulates, the reference's convention; biases, LayerNorm, softmax and
 * embedding lookups are left out as they are there. "Encoder FLOPs" is the sum over layers.
 */
public final class CostModel {
  private CostModel() {}

  public static long headFlops(ModelSpec spec, long seqLen) {
    long d = spec.hiddenSize();
    long dh = spec.headSize();
    return 3 * seqLen * d * dh + 2 * seqLen * seqLen * dh + seqLen * dh * d;
  }

  public static long neuronFlops(ModelSpec spec, long seqLen) {
    return 2 * seqLen * spec.hiddenSize();
  }

  /** Per-layer FLOPs for one sequence of {@code seqLen} tokens. */
  public static List<Long> layerFlops(ModelSpec spec, long seqLen) {
    if (seqLen <= 0) {
      throw new IllegalArgumentException("sequence length must be > 0, got " + seqLen);
    }
    List<Long> out = new ArrayList<>();
    for (LayerSpec l : spec.layers()) {
      out.add(l.heads() * headFlops(spec, seqLen) + l.ffn() * neuronFlops(spec, seqLen));
    }
    return out;
  }

  /** Encoder (all blocks) FLOPs for one sequence of {@code seqLen} tokens. */
  public static long encoderFlops(ModelSpec spec, long seqLen) {
    return layerFlops(spec, seqLen).stream().mapToLong(Long::longValue).sum();
  }

  /** Parameters per layer (every weight of the block, LayerNorms and biases included). */
  public static List<Long> layerParams(ModelSpec spec) {
    long d = spec.hiddenSize();
    long dh = spec.headSize();
    List<Long> out = new ArrayList<>();
    for (LayerSpec l : spec.layers()) {
      long hw = l.heads() * dh;
      long attn = 3 * (d * hw + hw) + hw * d + d; // q, k, v with biases; output kernel and bias
      long ffn = d * l.ffn() + l.ffn() + l.ffn() * d + d;
      long norms = 2 * 2 * d;
      out.add(attn + ffn + norms);
    }
    return out;
  }

  /** All parameters of the model, embeddings and heads included. */
  public static long totalParams(ModelSpec spec) {
    return ModelLayout.of(spec).shapes().values().stream()
        .mapToLong(
            s -> {
              long n = 1;
              for (long x : s) {
                n *= x;
              }
              return n;
            })
        .sum();
  }
}
