package org.ppruning.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Plain text for language modelling: one document (an article, an address, a book chapter, a
 * sentence for PTB).
 *
 * @param id unique within its corpus
 * @param text the text, never blank
 */
public record TextDocument(String id, String text) {
  public TextDocument {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("document without an id");
    }
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("document '" + id + "' has no text");
    }
  }

  /** Whitespace-separated words. */
  public int wordCount() {
    int n = 0;
    boolean in = false;
    for (int i = 0; i < text.length(); i++) {
      boolean ws = Character.isWhitespace(text.charAt(i));
      if (!ws && !in) {
        n++;
      }
      in = !ws;
    }
    return n;
  }

  /**
   * The document cut into consecutive passages of {@code words} whitespace-separated words (the
   * last one shorter), as unlabelled samples with ids {@code <id>#0}, {@code <id>#1}, ... Every
   * word is in exactly one passage; runs of whitespace become one space.
   */
  public List<Sample> passages(int words) {
    if (words <= 0) {
      throw new IllegalArgumentException("words per passage must be > 0, got " + words);
    }
    String[] w = text.strip().split("\\s+");
    List<Sample> out = new ArrayList<>();
    for (int i = 0; i < w.length; i += words) {
      out.add(
          new Sample(
              id + "#" + out.size(),
              String.join(
                  " ", java.util.Arrays.asList(w).subList(i, Math.min(w.length, i + words))),
              null,
              null));
    }
    return out;
  }
}
