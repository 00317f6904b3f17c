/**
 * The TensorFlow graphs ppruning rebuilds from a spec and weights, one readable file per
 * architecture ({@link org.ppruning.graph.BertGraph}, {@link org.ppruning.graph.Gpt2Graph}) over
 * the shared pieces in {@link org.ppruning.graph.Layers} (attention, FFN, LayerNorm), with weights
 * named exactly as in the checkpoint ({@link org.ppruning.graph.VariableSet}). {@link
 * org.ppruning.graph.TransformerModel} owns the resulting graph and session, serves the {@code
 * serving_default} and {@code profile} signatures on {@link org.ppruning.graph.TokenBatch}es, and
 * exports SavedModels.
 */
package org.ppruning.graph;
