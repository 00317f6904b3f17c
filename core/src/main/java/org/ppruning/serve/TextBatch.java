package org.ppruning.serve;

import java.util.ArrayList;
import java.util.List;

/**
 * The texts of one text request, each with a second text (pair tasks) or all without: what a
 * transport collects from its inputs before {@link TextInference#classify}. Refusals name the input
 * by the transport's own words (an "example" with "a 'text_pair' feature", an "input" with "a
 * text_pair").
 */
public final class TextBatch {
  private final String item;
  private final String pairName;
  private final List<String> texts = new ArrayList<>();
  private final List<String> pairs = new ArrayList<>();

  /**
   * @param item what one input is called in errors, e.g. {@code example}
   * @param pairName what its second text is called, e.g. {@code a text_pair}
   */
  public TextBatch(String item, String pairName) {
    this.item = item;
    this.pairName = pairName;
  }

  /**
   * Adds the next input.
   *
   * @param pair its second text, null if none
   * @throws ServingException INVALID_ARGUMENT if it has a pair and input 0 had none, or the other
   *     way round
   */
  public void add(String text, String pair) {
    int i = texts.size();
    if (i > 0 && (pair != null) != !pairs.isEmpty()) {
      throw ServingException.invalid(
          item
              + " "
              + i
              + (pair == null ? " lacks" : " has")
              + " "
              + pairName
              + " unlike "
              + item
              + " 0; all "
              + item
              + "s or none must have one");
    }
    texts.add(text);
    if (pair != null) {
      pairs.add(pair);
    }
  }

  public List<String> texts() {
    return texts;
  }

  /** The second texts, or null when the inputs have none. */
  public List<String> pairsOrNull() {
    return pairs.isEmpty() ? null : pairs;
  }
}
