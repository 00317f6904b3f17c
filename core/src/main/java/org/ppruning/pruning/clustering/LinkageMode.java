package org.ppruning.pruning.clustering;

/**
 * Which proximity complete linkage runs on: the layer's distances D as they are ({@link #DIRECT}),
 * or, as the official P-pruning code does, the Chebyshev distances between the rows of D ({@link
 * #REFERENCE}), so that published results can be reproduced. On the same D the two modes can build
 * different trees and need different thresholds.
 */
public enum LinkageMode implements Linkage {

  /**
   * As the official code: complete linkage on the Chebyshev distances between the rows of D ({@link
   * ChebyshevRows}), i.e. scipy's {@code linkage(D, 'complete', metric='chebyshev')} with the
   * square D passed as observations. {@code O(n^3)} for the proximity.
   */
  REFERENCE {
    @Override
    public Dendrogram fit(DistanceMatrix distances) {
      return CompleteLinkage.fit(ChebyshevRows.proximity(distances));
    }
  },

  /**
   * Complete linkage on the distances D themselves, i.e. scipy's {@code linkage(squareform(D),
   * 'complete')}.
   */
  DIRECT {
    @Override
    public Dendrogram fit(DistanceMatrix distances) {
      return CompleteLinkage.fit(distances);
    }
  }
}
