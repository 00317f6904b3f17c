package org.ppruning.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.ppruning.data.Sample;
import org.ppruning.graph.TokenBatch;
import org.ppruning.tokenize.TextTokenizer;
import org.ppruning.tokenize.TokenizerFiles;

/** Tiny random models, their tokenizer, texts and batches for fast tests. */
public final class TinyModels {
  /** The tiny models' 50 words: BERT's five special tokens, then w0..w44. */
  public static final List<String> VOCAB = vocab();

  private TinyModels() {}

  private static List<String> vocab() {
    List<String> v = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
    for (int i = 0; v.size() < 50; i++) {
      v.add("w" + i);
    }
    return List.copyOf(v);
  }

  /** A WordPiece tokenizer over {@link #VOCAB}, written to {@code dir}/tokenizer.json. */
  public static TextTokenizer tokenizer(Path dir) throws IOException {
    Path f = dir.resolve("tokenizer.json");
    Files.writeString(f, TokenizerFiles.wordPieceJson(VOCAB, true));
    return TextTokenizer.load(f);
  }

  /** {@code n} random words of w0..w44, space-separated. */
  public static String words(Random r, int n) {
    StringBuilder b = new StringBuilder();
    for (int j = 0; j < n; j++) {
      b.append("w").append(r.nextInt(45)).append(' ');
    }
    return b.toString().strip();
  }

  /** Samples s0..s(n-1), each of {@code minWords} + [0, spread) random words. */
  public static List<Sample> samples(int n, long seed, int minWords, int spread) {
    Random r = new Random(seed);
    List<Sample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Sample("s" + i, words(r, minWords + r.nextInt(spread)), null, null));
    }
    return out;
  }

  public static ModelSpec bertSpec(int layers, int d, int heads, int ffn) {
    return ModelSpec.unpruned(
        Architecture.BERT,
        50,
        d,
        layers,
        heads,
        ffn,
        24,
        2,
        Activation.GELU_TANH,
        1e-12,
        true,
        true,
        "tiny-random-bert",
        null);
  }

  public static ModelSpec gpt2Spec(int layers, int d, int heads, int ffn) {
    return ModelSpec.unpruned(
        Architecture.GPT2,
        50,
        d,
        layers,
        heads,
        ffn,
        24,
        0,
        Activation.GELU_TANH,
        1e-5,
        false,
        false,
        "tiny-random-gpt2",
        null);
  }

  /** Random weights for every tensor the spec needs: N(0, 0.3), LayerNorm gains near 1. */
  public static Weights randomWeights(ModelSpec spec, long seed) {
    Random r = new Random(seed);
    Weights w = new Weights();
    for (Map.Entry<String, long[]> e : ModelLayout.of(spec).shapes().entrySet()) {
      FloatTensor t = FloatTensor.zeros(e.getValue());
      boolean gain = e.getKey().endsWith("/gamma") || e.getKey().endsWith("/g");
      for (int i = 0; i < t.size(); i++) {
        t.data()[i] = (float) (gain ? 1 + 0.1 * r.nextGaussian() : 0.3 * r.nextGaussian());
      }
      w.put(e.getKey(), t);
    }
    return w;
  }

  /** A batch of random ids with the given lengths (right-padded), second half type 1 for bert. */
  public static TokenBatch batch(int vocab, long seed, int... lengths) {
    Random r = new Random(seed);
    int t = 0;
    for (int l : lengths) {
      t = Math.max(t, l);
    }
    int n = lengths.length * t;
    int[] ids = new int[n];
    int[] mask = new int[n];
    int[] types = new int[n];
    for (int b = 0; b < lengths.length; b++) {
      for (int j = 0; j < lengths[b]; j++) {
        ids[b * t + j] = 1 + r.nextInt(vocab - 1);
        mask[b * t + j] = 1;
        types[b * t + j] = j >= lengths[b] / 2 ? 1 : 0;
      }
    }
    return new TokenBatch(lengths.length, t, ids, mask, types);
  }

  public static float maxAbsDiff(FloatTensor a, FloatTensor b) {
    if (!java.util.Arrays.equals(a.shape(), b.shape())) {
      throw new AssertionError("shapes differ: " + a.shapeString() + " vs " + b.shapeString());
    }
    float m = 0;
    for (int i = 0; i < a.size(); i++) {
      m = Math.max(m, Math.abs(a.data()[i] - b.data()[i]));
    }
    return m;
  }
}
