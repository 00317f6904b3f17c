package org.ppruning.graph;

import org.tensorflow.Operand;
import org.tensorflow.types.TInt32;

/**
 * The token inputs of a forward pass, each [batch, seq] int32.
 *
 * @param inputIds token ids
 * @param attentionMask 1 for real tokens, 0 for padding
 * @param tokenTypeIds segment ids (bert only; null for gpt2)
 * @param dropout dropout for training graphs, or null for inference
 */
public record GraphInputs(
    Operand<TInt32> inputIds,
    Operand<TInt32> attentionMask,
    Operand<TInt32> tokenTypeIds,
    Dropout dropout) {

  /** Inference inputs: no dropout. */
  public GraphInputs(
      Operand<TInt32> inputIds, Operand<TInt32> attentionMask, Operand<TInt32> tokenTypeIds) {
    this(inputIds, attentionMask, tokenTypeIds, null);
  }
}
