/**
 * Step 1 of P-pruning (Wang et al., "Pruning before Fine-tuning", LREC-COLING 2024, Sec. 3.1): what
 * each attention head and FFN neuron does on unlabelled task inputs. Data only, with no TensorFlow
 * and no dependency on the algorithm ({@code pruning}) or on how the features were gathered ({@code
 * summary}, which builds them).
 *
 * <ul>
 *   <li>{@link org.ppruning.features.ActivationFeatures}: the step's result, every layer's {@link
 *       org.ppruning.features.LayerFeatures} plus the counts the budget needs (samples, tokens,
 *       mean length). Immutable records.
 *   <li>{@link org.ppruning.features.LayerFeatures}: one layer's activations at the k sampled
 *       tokens (the vectors step 2 compares) and each unit's salience (mean |activation|, what step
 *       5, Sec. 3.4, ranks by).
 *   <li>{@link org.ppruning.features.TokenSampler}: which k tokens (the reference code samples them
 *       at random; here bottom-k hashing, so batching and arrival order do not matter).
 * </ul>
 */
package org.ppruning.features;
