package org.ppruning.summary;

/**
 * One task sample after tokenization, unpadded.
 *
 * @param id the sample's id (unique within a task)
 * @param inputIds token ids, special tokens included
 * @param tokenTypeIds segment ids, same length (all 0 for single texts and for gpt2)
 */
public record TokenizedSample(String id, int[] inputIds, int[] tokenTypeIds) {
  public TokenizedSample {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("a sample needs a non-empty id");
    }
    if (inputIds.length == 0 || inputIds.length != tokenTypeIds.length) {
      throw new IllegalArgumentException(
          "sample '"
              + id
              + "': "
              + inputIds.length
              + " token ids and "
              + tokenTypeIds.length
              + " type ids (need the same number, >= 1)");
    }
  }

  public int length() {
    return inputIds.length;
  }
}
