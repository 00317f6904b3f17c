package org.ppruning.serve;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.ppruning.graph.TokenBatch;
import org.ppruning.model.Architecture;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelSpec;
import org.ppruning.tokenize.TextTokenizer;
import org.ppruning.tokenize.TokenizerFiles;
import org.ppruning.tokenize.TooLongException;

/**
 * Text in, answers out, on a served version: classify texts (or pairs) with a fine-tuned bert;
 * score texts or generate greedily with a gpt2. Texts are tokenized with the model's own tokenizer
 * and never truncated.
 */
public final class TextInference {
  private TextInference() {}

  /** One input's answer: the best label and every label's probability and logit. */
  public record Classification(
      String label, float score, List<String> labels, float[] scores, float[] logits) {}

  /** A text's log-probability under a language model, per token and in total (natural log). */
  public record TextScore(double logProb, int tokens, float[] tokenLogProbs) {
    public double perplexity() {
      return Math.exp(-logProb / tokens);
    }
  }

  /** A greedy continuation: its text and token ids. */
  public record Generation(String text, int[] ids) {}

  /**
   * Classifies texts, or text pairs when {@code pairsOrNull} is given.
   *
   * @throws ServingException FAILED_PRECONDITION if the model has no classification head or no
   *     tokenizer; INVALID_ARGUMENT (naming the input) for no inputs, an empty text or one over the
   *     length limit
   */
  public static List<Classification> classify(
      ServedVersion v, List<String> texts, List<String> pairsOrNull) {
    return classify(v, texts, pairsOrNull, ServingLimits.NONE);
  }

  /**
   * {@link #classify(ServedVersion, List, List)} within {@code limits}: the number of texts is
   * checked before tokenizing, batch x padded length before the model runs (RESOURCE_EXHAUSTED).
   */
  public static List<Classification> classify(
      ServedVersion v, List<String> texts, List<String> pairsOrNull, ServingLimits limits) {
    limits.checkBatch("the request's number of texts", texts.size());
    ModelSpec spec = v.spec();
    if (spec.head() == null) {
      throw new ServingException(
          ServingException.Code.FAILED_PRECONDITION,
          v
              + " has no classification head (a "
              + spec.architecture().name().toLowerCase()
              + " model that was not fine-tuned); it cannot classify");
    }
    TokenBatch batch = encode(v, texts, pairsOrNull, limits);
    limits.checkTokens("the request's texts:", batch.size(), batch.seqLen());
    Map<String, FloatTensor> out = v.model().serve(batch, List.of("logits", "probabilities"));
    List<String> labels = spec.head().labels();
    int n = labels.size();
    float[] logits = out.get("logits").data(); // [B, labels]
    float[] probs = out.get("probabilities").data(); // [B, labels]
    List<Classification> result = new ArrayList<>();
    for (int b = 0; b < batch.size(); b++) {
      int best = 0;
      for (int j = 1; j < n; j++) {
        best = probs[b * n + j] > probs[b * n + best] ? j : best;
      }
      result.add(
          new Classification(
              labels.get(best),
              probs[b * n + best],
              labels,
              Arrays.copyOfRange(probs, b * n, b * n + n),
              Arrays.copyOfRange(logits, b * n, b * n + n)));
    }
    return result;
  }

  private static TokenBatch encode(
      ServedVersion v, List<String> texts, List<String> pairs, ServingLimits limits) {
    if (texts.isEmpty()) {
      throw ServingException.invalid("no inputs: send at least one text");
    }
    try {
      return tokenizer(v).encode(texts, pairs, v.maxLength());
    } catch (IllegalArgumentException e) {
      throw ServingException.invalid(
          e.getMessage()
              + " ("
              + v
              + (limits == ServingLimits.NONE || !(e instanceof TooLongException)
                  ? ""
                  : "; " + limits.tokensPerTextSource())
              + ")");
    }
  }

  private static TextTokenizer tokenizer(ServedVersion v) {
    if (v.tokenizer() == null) {
      throw new ServingException(
          ServingException.Code.FAILED_PRECONDITION,
          v + " has no tokenizer (assets/tokenizer.json); send token ids with Predict instead");
    }
    return v.tokenizer();
  }

  private static void requireGpt2(ServedVersion v, String what) {
    if (v.spec().architecture() != Architecture.GPT2) {
      throw new ServingException(
          ServingException.Code.UNIMPLEMENTED,
          what
              + " needs a gpt2 "
              + "model with its language-model head; "
              + v
              + " is a "
              + v.spec().architecture().name().toLowerCase()
              + " model");
    }
  }

  /**
   * Token ids of a text for a gpt2 model, preceded by {@code <|endoftext|>} so that its first token
   * is scored too.
   */
  private static int[] gpt2Ids(ServedVersion v, String what, int index, String text, int room) {
    if (text == null || text.isEmpty()) {
      throw ServingException.invalid(what + " " + index + " is empty");
    }
    TextTokenizer tok = tokenizer(v);
    long[] ids = tok.ids(text);
    if (ids.length == 0) {
      throw ServingException.invalid(what + " " + index + " has no tokens");
    }
    if (ids.length + 1 > room) {
      throw ServingException.invalid(
          what
              + " "
              + index
              + " has "
              + ids.length
              + " tokens; "
              + v
              + " accepts at most "
              + (room - 1)
              + " here (never truncated)");
    }
    int[] out = new int[ids.length + 1];
    out[0] = tok.tokenId(TokenizerFiles.GPT2_END_OF_TEXT);
    for (int i = 0; i < ids.length; i++) {
      out[i + 1] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  /**
   * Scores texts with a gpt2 model: the log-probability of each token given the ones before it.
   *
   * @throws ServingException UNIMPLEMENTED for a non-gpt2 model; INVALID_ARGUMENT for no texts, an
   *     empty text or one over the model's positions
   */
  public static List<TextScore> score(ServedVersion v, List<String> texts) {
    return score(v, texts, ServingLimits.NONE);
  }

  /** {@link #score(ServedVersion, List)} within {@code limits} (texts, batch x tokens). */
  public static List<TextScore> score(ServedVersion v, List<String> texts, ServingLimits limits) {
    requireGpt2(v, "Score");
    limits.checkBatch("the request's number of texts", texts.size());
    if (texts.isEmpty()) {
      throw ServingException.invalid("no texts to score");
    }
    List<int[]> rows = new ArrayList<>();
    int len = 0;
    for (int i = 0; i < texts.size(); i++) {
      int[] ids = gpt2Ids(v, "text", i, texts.get(i), v.maxLength());
      rows.add(ids);
      len = Math.max(len, ids.length);
    }
    limits.checkTokens("the request's texts:", rows.size(), len);
    FloatTensor logits =
        v.model().serve(batch(v, rows, len), List.of("logits")).get("logits"); // [B, T, V]
    int vocab = (int) logits.dim(2);
    List<TextScore> out = new ArrayList<>();
    for (int b = 0; b < rows.size(); b++) {
      int[] ids = rows.get(b);
      float[] per = new float[ids.length - 1];
      double total = 0;
      for (int t = 0; t + 1 < ids.length; t++) {
        per[t] =
            (float) logSoftmaxAt(logits.data(), ((long) b * len + t) * vocab, vocab, ids[t + 1]);
        total += per[t];
      }
      out.add(new TextScore(total, per.length, per));
    }
    return out;
  }

  /**
   * Continues a prompt greedily (the most likely token each step) with a gpt2 model, stopping after
   * {@code maxNewTokens} or at {@code <|endoftext|>}.
   */
  public static Generation generate(ServedVersion v, String prompt, int maxNewTokens) {
    return generate(v, prompt, maxNewTokens, ServingLimits.NONE);
  }

  /** {@link #generate(ServedVersion, String, int)} with at most {@code max-new-tokens}. */
  public static Generation generate(
      ServedVersion v, String prompt, int maxNewTokens, ServingLimits limits) {
    requireGpt2(v, "Generate");
    limits.checkNewTokens(maxNewTokens);
    if (maxNewTokens < 1) {
      throw ServingException.invalid("max_new_tokens must be >= 1, got " + maxNewTokens);
    }
    if (maxNewTokens >= v.maxLength()) {
      throw ServingException.invalid(
          "max_new_tokens "
              + maxNewTokens
              + " leaves no room for a"
              + " prompt in the "
              + v.maxLength()
              + " tokens of "
              + v);
    }
    // <|endoftext|> + prompt + new tokens must fit the model's positions.
    int[] ids = gpt2Ids(v, "prompt", 0, prompt, v.maxLength() - maxNewTokens);
    int eot = ids[0];
    int[] seq = Arrays.copyOf(ids, ids.length + maxNewTokens);
    int n = ids.length;
    while (n < seq.length) {
      FloatTensor logits =
          v.model()
              .serve(batch(v, List.of(Arrays.copyOf(seq, n)), n), List.of("logits"))
              .get("logits"); // [1, n, V]
      int vocab = (int) logits.dim(2);
      int base = (n - 1) * vocab;
      int best = 0;
      for (int j = 1; j < vocab; j++) {
        best = logits.data()[base + j] > logits.data()[base + best] ? j : best;
      }
      if (best == eot) {
        break;
      }
      seq[n++] = best;
    }
    int[] generated = Arrays.copyOfRange(seq, ids.length, n);
    return new Generation(v.tokenizer().decode(generated), generated);
  }

  private static TokenBatch batch(ServedVersion v, List<int[]> rows, int len) {
    int pad = v.tokenizer().padId();
    int[] ids = new int[rows.size() * len];
    int[] mask = new int[ids.length];
    Arrays.fill(ids, pad);
    for (int b = 0; b < rows.size(); b++) {
      int[] r = rows.get(b);
      System.arraycopy(r, 0, ids, b * len, r.length);
      Arrays.fill(mask, b * len, b * len + r.length, 1);
    }
    return new TokenBatch(rows.size(), len, ids, mask, new int[ids.length]);
  }

  private static double logSoftmaxAt(float[] x, long offset, int n, int target) {
    int o = Math.toIntExact(offset);
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < n; j++) {
      max = Math.max(max, x[o + j]);
    }
    double sum = 0;
    for (int j = 0; j < n; j++) {
      sum += Math.exp(x[o + j] - max);
    }
    return x[o + target] - max - Math.log(sum);
  }
}
