package org.ppruning.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.ppruning.data.QaSample;
import org.ppruning.data.Sample;
import org.ppruning.graph.TokenBatch;
import org.ppruning.model.TaskHead;
import org.ppruning.tokenize.TextTokenizer;

/**
 * A split tokenized once for one head kind: what a training step or an evaluation is fed. Rows are
 * right-padded to the longest row of each batch; nothing is ever truncated (a text longer than the
 * limit is an error naming the sample).
 */
public abstract class Examples {
  final int[][] ids;
  final int[][] types;
  final int padId;

  Examples(int[][] ids, int[][] types, int padId) {
    this.ids = ids;
    this.types = types;
    this.padId = padId;
  }

  /** Number of rows. */
  public int size() {
    return ids.length;
  }

  /** The rows {@code idx}, padded to the longest. */
  public TokenBatch batch(int[] idx) {
    int len = 0;
    for (int i : idx) {
      len = Math.max(len, ids[i].length);
    }
    int[] bi = new int[idx.length * len];
    int[] bm = new int[idx.length * len];
    int[] bt = new int[idx.length * len];
    Arrays.fill(bi, padId);
    for (int r = 0; r < idx.length; r++) {
      int[] x = ids[idx[r]];
      System.arraycopy(x, 0, bi, r * len, x.length);
      System.arraycopy(types[idx[r]], 0, bt, r * len, x.length);
      Arrays.fill(bm, r * len, r * len + x.length, 1);
    }
    return new TokenBatch(idx.length, len, bi, bm, bt);
  }

  /** What the rows {@code idx} (fed as {@code b}) should predict. */
  public abstract Targets targets(int[] idx, TokenBatch b);

  /** The same kind of examples with only the rows {@code rows}, in that order. */
  public abstract Examples select(int[] rows);

  /**
   * The first {@code n} rows (all if there are fewer): for language modelling, a contiguous stretch
   * of the text.
   */
  public Examples first(int n) {
    int[] rows = new int[Math.min(n, size())];
    java.util.Arrays.setAll(rows, i -> i);
    return select(rows);
  }

  /** {@code n} rows chosen at random by {@code seed} (all if there are fewer), in row order. */
  public Examples sample(int n, long seed) {
    if (n >= size()) {
      return this;
    }
    int[] rows = Arrays.copyOf(Trainer.shuffled(size(), new Random(seed)), n);
    Arrays.sort(rows);
    return select(rows);
  }

  static int[][] pick(int[][] a, int[] rows) {
    int[][] out = new int[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      out[i] = a[rows[i]];
    }
    return out;
  }

  /** Sequence classification: label ids from the head's label list. */
  public static Classified classification(
      TextTokenizer tok, List<Sample> samples, TaskHead head, int maxLength) {
    int n = samples.size();
    int[][] ids = new int[n][];
    int[][] types = new int[n][];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      Sample s = samples.get(i);
      int l = head.labels().indexOf(s.label());
      if (l < 0) {
        throw new IllegalArgumentException(
            "sample '" + s.id() + "' has label '" + s.label() + "', not one of " + head.labels());
      }
      TokenBatch b = encode(tok, s, maxLength);
      ids[i] = b.inputIds();
      types[i] = b.tokenTypeIds();
      labels[i] = l;
    }
    return new Classified(ids, types, tok.padId(), labels);
  }

  /** Regression: the label string is the score (a finite number). */
  public static Scored regression(TextTokenizer tok, List<Sample> samples, int maxLength) {
    int n = samples.size();
    int[][] ids = new int[n][];
    int[][] types = new int[n][];
    float[] scores = new float[n];
    for (int i = 0; i < n; i++) {
      Sample s = samples.get(i);
      float v;
      try {
        v = Float.parseFloat(s.label() == null ? "" : s.label());
      } catch (NumberFormatException e) {
        v = Float.NaN;
      }
      if (!Float.isFinite(v)) {
        throw new IllegalArgumentException(
            "sample '"
                + s.id()
                + "' has label '"
                + s.label()
                + "', not a number (a regression task needs a score)");
      }
      TokenBatch b = encode(tok, s, maxLength);
      ids[i] = b.inputIds();
      types[i] = b.tokenTypeIds();
      scores[i] = v;
    }
    return new Scored(ids, types, tok.padId(), scores);
  }

  /**
   * Extractive QA: question and context as a pair; the target is the token span of the first gold
   * answer, or the first token for unanswerable (SQuAD 2.0) questions.
   *
   * @param allowNoAnswer the task has unanswerable questions (SQuAD 2.0): decoding may predict "no
   *     answer"
   */
  public static Spans qa(
      TextTokenizer tok, List<QaSample> samples, int maxLength, boolean allowNoAnswer) {
    int n = samples.size();
    int[][] ids = new int[n][];
    int[][] types = new int[n][];
    TextTokenizer.SpannedPair[] pairs = new TextTokenizer.SpannedPair[n];
    int[] starts = new int[n];
    int[] ends = new int[n];
    for (int i = 0; i < n; i++) {
      QaSample q = samples.get(i);
      TextTokenizer.SpannedPair p;
      try {
        p = tok.encodeWithSpans(q.question(), q.context(), maxLength);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("question '" + q.id() + "': " + e.getMessage(), e);
      }
      pairs[i] = p;
      ids[i] = p.batch().inputIds();
      types[i] = p.batch().tokenTypeIds();
      if (!q.impossible()) {
        QaSample.Answer a = q.answers().get(0);
        int s = -1;
        int e = -1;
        for (int t = 0; t < ids[i].length; t++) {
          if (p.inContext()[t] && p.charEnd()[t] > a.start() && p.charStart()[t] < a.end()) {
            s = s < 0 ? t : s;
            e = t;
          }
        }
        if (s < 0) {
          throw new IllegalArgumentException(
              "question '"
                  + q.id()
                  + "': answer '"
                  + a.text()
                  + "' at character "
                  + a.start()
                  + " covers no context token");
        }
        starts[i] = s;
        ends[i] = e;
      }
    }
    return new Spans(ids, types, tok.padId(), starts, ends, samples, pairs, allowNoAnswer);
  }

  /**
   * Causal language modelling: the documents' tokens joined (each document followed by {@code
   * separatorId}) and cut into consecutive rows of {@code seqLen} tokens (the last one shorter).
   * Every token but a row's first is predicted from the ones before it in its row.
   */
  public static Tokens causalLm(List<int[]> documents, int separatorId, int seqLen, int padId) {
    int[] all = join(documents, separatorId);
    List<int[]> rows = new ArrayList<>();
    for (int i = 0; i < all.length; i += seqLen) {
      int[] r = Arrays.copyOfRange(all, i, Math.min(all.length, i + seqLen));
      if (r.length >= 2) { // a 1-token row has nothing to predict
        rows.add(r);
      }
    }
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("no text to model: " + all.length + " tokens");
    }
    int n = rows.size();
    int[][] ids = rows.toArray(new int[0][]);
    int[][] types = new int[n][];
    int[][] pos = new int[n][];
    int[][] tgt = new int[n][];
    for (int i = 0; i < n; i++) {
      types[i] = new int[ids[i].length];
      pos[i] = new int[ids[i].length - 1];
      tgt[i] = new int[ids[i].length - 1];
      for (int t = 0; t + 1 < ids[i].length; t++) {
        pos[i][t] = t;
        tgt[i][t] = ids[i][t + 1];
      }
    }
    return new Tokens(ids, types, padId, pos, tgt, ids);
  }

  /**
   * Masked language modelling (BERT): the documents' tokens joined and cut into rows of {@code
   * seqLen - 2} tokens wrapped in {@code [CLS] ... [SEP]}. In each row 15% of the tokens (at least
   * one) are chosen by a generator seeded from {@code seed} and the row number; of those 80% become
   * {@code [MASK]}, 10% a random token, 10% stay. The chosen ones are predicted.
   */
  public static Tokens maskedLm(
      List<int[]> documents,
      int clsId,
      int sepId,
      int maskId,
      int vocabSize,
      int seqLen,
      int padId,
      long seed) {
    if (seqLen < 3) {
      throw new IllegalArgumentException("masked LM rows need at least 3 tokens, got " + seqLen);
    }
    int[] all = join(documents, -1);
    int body = seqLen - 2;
    List<int[]> rows = new ArrayList<>();
    for (int i = 0; i < all.length; i += body) {
      int[] chunk = Arrays.copyOfRange(all, i, Math.min(all.length, i + body));
      int[] r = new int[chunk.length + 2];
      r[0] = clsId;
      System.arraycopy(chunk, 0, r, 1, chunk.length);
      r[r.length - 1] = sepId;
      rows.add(r);
    }
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("no text to model");
    }
    int n = rows.size();
    int[][] original = rows.toArray(new int[0][]);
    int[][] ids = new int[n][];
    int[][] types = new int[n][];
    int[][] pos = new int[n][];
    int[][] tgt = new int[n][];
    for (int i = 0; i < n; i++) {
      Random r = new Random(seed * 1_000_003L + i);
      int len = original[i].length;
      List<Integer> chosen = new ArrayList<>();
      for (int t = 1; t < len - 1; t++) {
        if (r.nextDouble() < 0.15) {
          chosen.add(t);
        }
      }
      if (chosen.isEmpty()) {
        chosen.add(1 + r.nextInt(len - 2));
      }
      ids[i] = original[i].clone();
      types[i] = new int[len];
      pos[i] = new int[chosen.size()];
      tgt[i] = new int[chosen.size()];
      for (int k = 0; k < chosen.size(); k++) {
        int t = chosen.get(k);
        double u = r.nextDouble();
        ids[i][t] = u < 0.8 ? maskId : u < 0.9 ? r.nextInt(vocabSize) : original[i][t];
        pos[i][k] = t;
        tgt[i][k] = original[i][t];
      }
    }
    return new Tokens(ids, types, padId, pos, tgt, original);
  }

  private static int[] join(List<int[]> documents, int separatorId) {
    int total = 0;
    for (int[] d : documents) {
      total += d.length + (separatorId >= 0 ? 1 : 0);
    }
    int[] all = new int[total];
    int at = 0;
    for (int[] d : documents) {
      System.arraycopy(d, 0, all, at, d.length);
      at += d.length;
      if (separatorId >= 0) {
        all[at++] = separatorId;
      }
    }
    return all;
  }

  private static TokenBatch encode(TextTokenizer tok, Sample s, int maxLength) {
    try {
      return tok.encode(
          List.of(s.text()), s.textPair() == null ? null : List.of(s.textPair()), maxLength);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("sample '" + s.id() + "': " + e.getMessage(), e);
    }
  }

  /** Classification rows and their label ids. */
  public static final class Classified extends Examples {
    final int[] labels;

    Classified(int[][] ids, int[][] types, int padId, int[] labels) {
      super(ids, types, padId);
      this.labels = labels;
    }

    @Override
    public Targets targets(int[] idx, TokenBatch b) {
      int[] out = new int[idx.length];
      for (int i = 0; i < idx.length; i++) {
        out[i] = labels[idx[i]];
      }
      return Targets.classes(out);
    }

    @Override
    public Classified select(int[] rows) {
      int[] l = new int[rows.length];
      for (int i = 0; i < rows.length; i++) {
        l[i] = labels[rows[i]];
      }
      return new Classified(pick(ids, rows), pick(types, rows), padId, l);
    }
  }

  /** Regression rows and their scores. */
  public static final class Scored extends Examples {
    final float[] scores;

    Scored(int[][] ids, int[][] types, int padId, float[] scores) {
      super(ids, types, padId);
      this.scores = scores;
    }

    @Override
    public Targets targets(int[] idx, TokenBatch b) {
      float[] out = new float[idx.length];
      for (int i = 0; i < idx.length; i++) {
        out[i] = scores[idx[i]];
      }
      return Targets.scores(out);
    }

    @Override
    public Scored select(int[] rows) {
      float[] v = new float[rows.length];
      for (int i = 0; i < rows.length; i++) {
        v[i] = scores[rows[i]];
      }
      return new Scored(pick(ids, rows), pick(types, rows), padId, v);
    }
  }

  /** QA rows, their gold token spans, and what decoding a predicted span needs. */
  public static final class Spans extends Examples {
    final int[] starts;
    final int[] ends;
    final List<QaSample> samples;
    final TextTokenizer.SpannedPair[] pairs;
    final boolean allowNoAnswer;

    Spans(
        int[][] ids,
        int[][] types,
        int padId,
        int[] starts,
        int[] ends,
        List<QaSample> samples,
        TextTokenizer.SpannedPair[] pairs,
        boolean allowNoAnswer) {
      super(ids, types, padId);
      this.allowNoAnswer = allowNoAnswer;
      this.starts = starts;
      this.ends = ends;
      this.samples = List.copyOf(samples);
      this.pairs = pairs;
    }

    @Override
    public Targets targets(int[] idx, TokenBatch b) {
      int[] s = new int[idx.length];
      int[] e = new int[idx.length];
      for (int i = 0; i < idx.length; i++) {
        s[i] = starts[idx[i]];
        e[i] = ends[idx[i]];
      }
      return Targets.spans(s, e);
    }

    @Override
    public Spans select(int[] rows) {
      int[] s = new int[rows.length];
      int[] e = new int[rows.length];
      List<QaSample> q = new ArrayList<>();
      TextTokenizer.SpannedPair[] p = new TextTokenizer.SpannedPair[rows.length];
      for (int i = 0; i < rows.length; i++) {
        s[i] = starts[rows[i]];
        e[i] = ends[rows[i]];
        q.add(samples.get(rows[i]));
        p[i] = pairs[rows[i]];
      }
      return new Spans(pick(ids, rows), pick(types, rows), padId, s, e, q, p, allowNoAnswer);
    }
  }

  /** Language-modelling rows and the tokens each row predicts. */
  public static final class Tokens extends Examples {
    final int[][] positions;
    final int[][] targets;
    final int[][] original;

    Tokens(
        int[][] ids,
        int[][] types,
        int padId,
        int[][] positions,
        int[][] targets,
        int[][] original) {
      super(ids, types, padId);
      this.positions = positions;
      this.targets = targets;
      this.original = original;
    }

    @Override
    public Targets targets(int[] idx, TokenBatch b) {
      int k = 0;
      for (int i : idx) {
        k += positions[i].length;
      }
      int[] pos = new int[k];
      int[] tok = new int[k];
      k = 0;
      for (int r = 0; r < idx.length; r++) {
        for (int j = 0; j < positions[idx[r]].length; j++) {
          pos[k] = r * b.seqLen() + positions[idx[r]][j];
          tok[k++] = targets[idx[r]][j];
        }
      }
      return Targets.tokens(pos, tok);
    }

    @Override
    public Tokens select(int[] rows) {
      return new Tokens(
          pick(ids, rows),
          pick(types, rows),
          padId,
          pick(positions, rows),
          pick(targets, rows),
          pick(original, rows));
    }

    /** Predicted tokens over all rows. */
    public long predictedTokens() {
      long n = 0;
      for (int[] p : positions) {
        n += p.length;
      }
      return n;
    }

    /** The target tokens of every row, in order (for baselines). */
    public int[] allTargets() {
      int[] out = new int[Math.toIntExact(predictedTokens())];
      int k = 0;
      for (int[] t : targets) {
        System.arraycopy(t, 0, out, k, t.length);
        k += t.length;
      }
      return out;
    }
  }
}
