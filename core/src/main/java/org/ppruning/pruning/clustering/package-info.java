/**
 * The clustering step of P-pruning (Wang et al., "Pruning before Fine-tuning", LREC-COLING 2024):
 * per layer, units whose activations behave alike are grouped by agglomerative clustering, and
 * the budget step later keeps one unit per cluster.
 *
 * <p>{@link org.ppruning.pruning.clustering.DistanceMatrix} (one layer's pairwise distances) goes
 * through a {@link org.ppruning.pruning.clustering.Linkage} to a
 * {@link org.ppruning.pruning.clustering.Dendrogram}, which is cut at a distance threshold.
 * {@link org.ppruning.pruning.clustering.Clustering#fit} is the entry point;
 * {@link org.ppruning.pruning.clustering.LinkageMode} chooses complete linkage on the distances
 * themselves or, as the official code does, on the Chebyshev distances between their rows
 * ({@link org.ppruning.pruning.clustering.ChebyshevRows}).
 */
package org.ppruning.pruning.clustering;
