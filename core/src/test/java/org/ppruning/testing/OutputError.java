package org.ppruning.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.summary.ProfileBatch;
import org.ppruning.summary.TokenizedSample;
import org.ppruning.tokenize.TextTokenizer;

/** How far a (pruned) model's encoder output is from a reference model's on the same tokens. */
public final class OutputError {
  private OutputError() {}

  /** {@code n} random texts of 3 to 17 words of {@code TinyModels.VOCAB} ("w0" .. "w44"). */
  public static List<String> tinyTexts(int n, long seed) {
    Random r = new Random(seed);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      StringBuilder b = new StringBuilder();
      for (int j = 0, len = 3 + r.nextInt(15); j < len; j++) {
        b.append("w").append(r.nextInt(45)).append(' ');
      }
      out.add(b.toString().strip());
    }
    return out;
  }

  /** One right-padded batch of {@code texts} (single texts), to compare models on. */
  public static TokenBatch batch(TextTokenizer tok, List<String> texts, int maxPositions) {
    List<TokenizedSample> enc = new ArrayList<>();
    for (String t : texts) {
      var e = tok.encode(List.of(t), null, maxPositions);
      enc.add(new TokenizedSample("held-out-" + enc.size(), e.inputIds(), e.tokenTypeIds()));
    }
    int len = enc.stream().mapToInt(TokenizedSample::length).max().orElseThrow();
    return ProfileBatch.of(enc, len, tok.padId()).tokens();
  }

  /**
   * |got - want| / |want| (Frobenius) of {@code sequence_output} over the batch's real tokens
   * (padding left out).
   */
  public static double relative(TransformerModel got, TransformerModel want, TokenBatch b) {
    float[] g = got.serve(b).get("sequence_output").data();
    float[] w = want.serve(b).get("sequence_output").data();
    int d = w.length / (b.size() * b.seqLen());
    double num = 0;
    double den = 0;
    for (int t = 0; t < b.size() * b.seqLen(); t++) {
      if (b.attentionMask()[t] == 0) {
        continue;
      }
      for (int j = 0; j < d; j++) {
        double x = g[t * d + j] - w[t * d + j];
        num += x * x;
        den += (double) w[t * d + j] * w[t * d + j];
      }
    }
    return Math.sqrt(num / den);
  }
}
