package org.ppruning.graph;

import org.tensorflow.Operand;
import org.tensorflow.types.TInt32;

/**
 * The token inputs of a forward pass, each [batch, seq] int32.
 *
 * @param inputIds      token ids
 * @param attentionMask 1 for real tokens, 0 for padding
 * @param tokenTypeIds  segment ids (bert only; null for gpt2)
 */
public record GraphInputs(
    Operand<TInt32> inputIds, Operand<TInt32> attentionMask, Operand<TInt32> tokenTypeIds) {}
