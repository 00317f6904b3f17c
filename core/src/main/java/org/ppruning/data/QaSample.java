package org.ppruning.data;

import java.util.List;

/**
 * One extractive question-answering item (SQuAD): a question about a context paragraph, answered by
 * spans of the context.
 *
 * @param id unique within its file (SQuAD's question id)
 * @param title the article title the context comes from (may be empty)
 * @param question the question
 * @param context the paragraph
 * @param answers gold spans; SQuAD training questions have one, dev questions usually three
 *     (possibly equal); empty exactly when {@code impossible}
 * @param impossible SQuAD 2.0 questions the context does not answer ({@code is_impossible})
 */
public record QaSample(
    String id,
    String title,
    String question,
    String context,
    List<Answer> answers,
    boolean impossible) {

  /**
   * An answer span.
   *
   * @param text the answer text, equal to {@code context.substring(start, start + text.length())}
   * @param start character offset (UTF-16 code units, as Java and Python 3 count for the BMP text
   *     SQuAD holds) of the answer in the context
   */
  public record Answer(String text, int start) {
    /** The offset just past the answer. */
    public int end() {
      return start + text.length();
    }
  }

  public QaSample {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("QA sample without an id");
    }
    if (question == null || question.isBlank() || context == null || context.isEmpty()) {
      throw new IllegalArgumentException("QA sample '" + id + "' needs a question and a context");
    }
    answers = List.copyOf(answers);
    if (impossible != answers.isEmpty()) {
      throw new IllegalArgumentException(
          "QA sample '"
              + id
              + "': "
              + (impossible
                  ? "impossible but has " + answers.size() + " answers"
                  : "has no answer"));
    }
    for (Answer a : answers) {
      if (a.start() < 0
          || a.end() > context.length()
          || !context.regionMatches(a.start(), a.text(), 0, a.text().length())) {
        throw new IllegalArgumentException(
            "QA sample '"
                + id
                + "': answer '"
                + a.text()
                + "' is not at offset "
                + a.start()
                + " of the context");
      }
    }
  }
}
