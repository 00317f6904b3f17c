package org.ppruning.summary;

import java.util.List;

/**
 * What merging one summary record did.
 *
 * @param outcome see {@link Outcome}
 * @param sampleIds the batch the record belongs to
 * @param chunk the record's chunk index
 * @param chunks the number of chunks of its summary
 * @param rowsAdded token rows that joined the state's k smallest (0 for a plain redelivery)
 */
public record MergeResult(
    Outcome outcome, List<String> sampleIds, int chunk, int chunks, int rowsAdded) {

  /** How a record related to what the state already held. */
  public enum Outcome {
    /** Chunk 0 of a batch not counted before: its statistics were added. */
    COUNTED,
    /** A later chunk of a batch: token rows and their key range were added. */
    ROWS,
    /**
     * Nothing new: chunk 0 of a batch already counted, or a later chunk whose key range had already
     * arrived. Statistics are not counted again; rows merge as a set, so an exact redelivery
     * changes nothing.
     */
    REDELIVERED
  }
}
