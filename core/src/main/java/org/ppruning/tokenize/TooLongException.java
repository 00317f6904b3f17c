package org.ppruning.tokenize;

import java.util.Optional;

/**
 * A text (or text pair) with more tokens than the limit it was encoded under. Texts are never
 * truncated, so the caller decides: a command line names its length option, a service its limit.
 */
public final class TooLongException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final int tokens;
  private final int limit;

  /**
   * @param what the text, as the message names it (say {@code text 3 ("It was...")})
   */
  TooLongException(String what, int tokens, int limit) {
    super(
        what
            + " has "
            + tokens
            + " tokens, more than the limit of "
            + limit
            + " (texts are never truncated)");
    this.tokens = tokens;
    this.limit = limit;
  }

  /** Tokens of the text, special tokens included. */
  public int tokens() {
    return tokens;
  }

  /** The limit it was encoded under. */
  public int limit() {
    return limit;
  }

  /** The first {@code TooLongException} in {@code t}'s chain of causes, {@code t} included. */
  public static Optional<TooLongException> in(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof TooLongException e) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }
}
