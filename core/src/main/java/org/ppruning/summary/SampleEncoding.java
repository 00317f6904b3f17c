package org.ppruning.summary;

import org.ppruning.data.Sample;
import org.ppruning.tokenize.TextTokenizer;

/**
 * How a task sample becomes a {@link TokenizedSample}: its text (and pair) with special tokens,
 * unpadded, at most the model's positions. The batch command ({@code FeatureCollector}) and the
 * profiler service both encode through here, so they profile the same tokens.
 */
public final class SampleEncoding {
  private SampleEncoding() {}

  /**
   * A sample's tokens and how many it had before any cut.
   *
   * @param sample the tokens profiled
   * @param fullLength tokens before truncation
   */
  public record Result(TokenizedSample sample, int fullLength) {
    public boolean truncated() {
      return fullLength > sample.length();
    }
  }

  /**
   * Encodes {@code x}.
   *
   * @param maxLength the model's positions
   * @param truncate cut a longer sample (see {@link TextTokenizer#encodeOne}) instead of failing
   * @throws IllegalArgumentException naming the sample if it has no tokens besides special ones or,
   *     without {@code truncate}, more than {@code maxLength}
   */
  public static Result encode(TextTokenizer tok, Sample x, int maxLength, boolean truncate) {
    TextTokenizer.Encoded e;
    try {
      e = tok.encodeOne(x.text(), x.textPair(), maxLength, truncate);
    } catch (IllegalArgumentException ex) {
      throw new IllegalArgumentException("sample '" + x.id() + "': " + ex.getMessage(), ex);
    }
    return new Result(new TokenizedSample(x.id(), e.inputIds(), e.tokenTypeIds()), e.fullLength());
  }
}
