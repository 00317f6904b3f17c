/**
 * The clustering step of P-pruning (step 3 in docs/pruning.md; Wang et al., "Pruning before
 * Fine-tuning", LREC-COLING 2024, whose Sec. 3.3 cuts the result at a threshold): per layer, units
 * whose activations behave alike are grouped by agglomerative clustering, and the budget step later
 * keeps one unit per cluster. Both records here are immutable: {@code DistanceMatrix} (step 2's
 * result, made by {@code pruning.Distances}) and {@code Dendrogram} copy their arrays in and out;
 * the kernels read them through {@code toSquare()}, once per layer.
 *
 * <p>{@link org.ppruning.pruning.clustering.DistanceMatrix} (one layer's pairwise distances) goes
 * through a {@link org.ppruning.pruning.clustering.Linkage} to a {@link
 * org.ppruning.pruning.clustering.Dendrogram}, which is cut at a distance threshold. {@link
 * org.ppruning.pruning.clustering.Clustering#fit} is the entry point; {@link
 * org.ppruning.pruning.clustering.LinkageMode} chooses complete linkage on the distances themselves
 * or, as the official code does, on the Chebyshev distances between their rows ({@link
 * org.ppruning.pruning.clustering.ChebyshevRows}).
 */
package org.ppruning.pruning.clustering;
