package org.ppruning.pruning.clustering;

/**
 * A linkage strategy: how the clustering step turns one layer's distances into a dendrogram. {@link
 * LinkageMode} names the two the project uses; both are complete linkage.
 */
@FunctionalInterface
public interface Linkage {

  /** Clusters the units of {@code distances} into a dendrogram with {@code size - 1} merges. */
  Dendrogram fit(DistanceMatrix distances);
}
