package org.ppruning.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.tokenize.TextTokenizer;

/**
 * Masked-LM top-1 accuracy without any training: in each sentence a fixed share of the tokens
 * (besides [CLS], [SEP] and [UNK]) is replaced by [MASK], and the model must rank the original
 * token first. Every chosen position gets [MASK] (no 80-10-10 mix); the count per sentence is
 * BERT's pre-training rule, {@code max(1, round(rate * tokens))}. Positions depend only on the seed
 * and the sentence's index, so every model sees the same masked inputs.
 */
public final class MaskedLm {
  private MaskedLm() {}

  /**
   * Masked sentences.
   *
   * @param inputs per sentence, token ids with [MASK] at the chosen positions
   * @param positions per sentence, the masked positions, ascending
   * @param targets per sentence, the original ids at those positions
   */
  public record Masked(List<int[]> inputs, List<int[]> positions, List<int[]> targets) {
    public Masked {
      if (inputs.size() != positions.size() || inputs.size() != targets.size()) {
        throw new IllegalArgumentException(
            inputs.size()
                + " inputs, "
                + positions.size()
                + " position lists, "
                + targets.size()
                + " target lists");
      }
    }

    public int sentences() {
      return inputs.size();
    }

    public int maskedTokens() {
      return positions.stream().mapToInt(p -> p.length).sum();
    }
  }

  /** Correct top-1 predictions out of masked tokens. */
  public record Accuracy(long correct, long total) {
    public double value() {
      return total == 0 ? Double.NaN : correct / (double) total;
    }
  }

  /**
   * @param rate share of maskable tokens to mask, in (0, 1)
   * @param maxLength longest sentence accepted in tokens (longer ones are an error, never cut)
   */
  public static Masked mask(
      TextTokenizer tok, List<String> texts, double rate, long seed, int maxLength) {
    if (!(rate > 0 && rate < 1)) {
      throw new IllegalArgumentException("mask rate must be in (0, 1), got " + rate);
    }
    if (texts.isEmpty()) {
      throw new IllegalArgumentException("no sentences to mask");
    }
    int maskId = tok.tokenId("[MASK]");
    int[] never = neverMasked(tok);
    List<int[]> inputs = new ArrayList<>();
    List<int[]> positions = new ArrayList<>();
    List<int[]> targets = new ArrayList<>();
    for (int s = 0; s < texts.size(); s++) {
      int[] ids;
      try {
        ids = tok.encode(List.of(texts.get(s)), null, maxLength).inputIds();
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("sentence " + s + ": " + e.getMessage(), e);
      }
      int[] pos = positions(ids, never, rate, seed, s);
      if (pos.length == 0) {
        throw new IllegalArgumentException(
            "sentence " + s + " ('" + texts.get(s) + "') has no token that can be masked");
      }
      int k = pos.length;
      int[] in = ids.clone();
      int[] tgt = new int[k];
      for (int i = 0; i < k; i++) {
        tgt[i] = ids[pos[i]];
        in[pos[i]] = maskId;
      }
      inputs.add(in);
      positions.add(pos);
      targets.add(tgt);
    }
    return new Masked(inputs, positions, targets);
  }

  /**
   * The ids {@link #mask} never masks: [CLS], [SEP], [UNK] and padding.
   *
   * @throws IllegalArgumentException if the tokenizer has no such token
   */
  public static int[] neverMasked(TextTokenizer tok) {
    return new int[] {
      tok.tokenId("[CLS]"), tok.tokenId("[SEP]"), tok.tokenId("[UNK]"), tok.padId()
    };
  }

  /**
   * The positions {@link #mask} masks in one sentence: {@code max(1, round(rate * maskable))} of
   * the tokens whose id is not in {@code never}, chosen by a generator seeded with {@code seed} and
   * the sentence's index, ascending; empty if no token is maskable.
   *
   * @param index the sentence's index in its set (each sentence gets its own draw)
   */
  public static int[] positions(int[] ids, int[] never, double rate, long seed, int index) {
    List<Integer> maskable = new ArrayList<>();
    for (int j = 0; j < ids.length; j++) {
      final int id = ids[j];
      if (IntStream.of(never).noneMatch(x -> x == id)) {
        maskable.add(j);
      }
    }
    if (maskable.isEmpty()) {
      return new int[0];
    }
    int k = Math.max(1, (int) Math.round(rate * maskable.size()));
    java.util.Collections.shuffle(maskable, new Random(seed * 1_000_003L + index));
    return maskable.subList(0, k).stream().mapToInt(Integer::intValue).sorted().toArray();
  }

  /**
   * Top-1 accuracy of the model's {@code mlm_logits} at the masked positions. Sentences are batched
   * by length (fewer padded positions); padding does not change a BERT's outputs.
   */
  public static Accuracy accuracy(TransformerModel model, Masked set, int batchSize, int padId) {
    if (!model.servingOutputs().contains("mlm_logits")) {
      throw new IllegalArgumentException(
          "model " + model.spec().source() + " has no masked-LM head (no mlm_logits output)");
    }
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch size must be > 0, got " + batchSize);
    }
    int n = set.sentences();
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(
        order,
        Comparator.comparingInt((Integer i) -> set.inputs().get(i).length)
            .thenComparingInt(i -> i));
    long correct = 0;
    long total = 0;
    int vocab = model.spec().vocabSize();
    for (int from = 0; from < n; from += batchSize) {
      int b = Math.min(batchSize, n - from);
      int len = 0;
      for (int r = 0; r < b; r++) {
        len = Math.max(len, set.inputs().get(order[from + r]).length);
      }
      int[] ids = new int[b * len];
      int[] mask = new int[b * len];
      Arrays.fill(ids, padId);
      for (int r = 0; r < b; r++) {
        int[] x = set.inputs().get(order[from + r]);
        System.arraycopy(x, 0, ids, r * len, x.length);
        Arrays.fill(mask, r * len, r * len + x.length, 1);
      }
      float[] logits =
          model
              .serve(new TokenBatch(b, len, ids, mask, new int[b * len]), List.of("mlm_logits"))
              .get("mlm_logits")
              .data(); // [b, len, V]
      for (int r = 0; r < b; r++) {
        int s = order[from + r];
        int[] pos = set.positions().get(s);
        int[] tgt = set.targets().get(s);
        for (int i = 0; i < pos.length; i++) {
          int base = (r * len + pos[i]) * vocab;
          int arg = 0;
          for (int v = 1; v < vocab; v++) {
            if (logits[base + v] > logits[base + arg]) {
              arg = v;
            }
          }
          correct += arg == tgt[i] ? 1 : 0;
          total++;
        }
      }
    }
    return new Accuracy(correct, total);
  }
}
