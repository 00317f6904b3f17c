package org.ppruning.data;

/**
 * One task input: the unit that the profiler and pruner count, sample and de-duplicate by id.
 *
 * @param id unique within its task; chooses the sampled tokens, so the same sample gives the same
 *     features in batch and streaming runs
 * @param text the text (never empty)
 * @param textPair the second text of a pair task, or null
 * @param label the gold label as given (class name or number), or null for unlabelled input
 */
public record Sample(String id, String text, String textPair, String label) {
  public Sample {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("sample without an id");
    }
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("sample '" + id + "' has no text");
    }
    if (textPair != null && textPair.isBlank()) {
      throw new IllegalArgumentException("sample '" + id + "' has an empty text_pair");
    }
  }
}
