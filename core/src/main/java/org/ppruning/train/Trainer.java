package org.ppruning.train;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.ppruning.data.Sample;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.BertLayout;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TaskHead;
import org.ppruning.model.Weights;
import org.ppruning.util.Progress;
import org.ppruning.tokenize.TextTokenizer;

/**
 * Fine-tunes a sequence classifier: shuffled mini-batches, AdamW with linear warm-up and decay,
 * dropout, clipping; evaluation on the dev split after every epoch; the best epoch's weights kept.
 * A NaN or infinite loss stops training with a clear message, keeping the last good weights.
 */
public final class Trainer {
  private Trainer() {}

  /**
   * @param epochs       passes over the training split
   * @param learningRate peak learning rate
   * @param batchSize    sequences per step
   * @param maxLength    longest sequence accepted (longer texts are an error, never cut)
   * @param seed         shuffling, head initialisation and dropout seed
   * @param warmup       fraction of steps with a linearly rising learning rate
   * @param weightDecay  AdamW decoupled weight decay (not on biases and LayerNorm)
   * @param dropout      dropout rate
   * @param clipNorm     global gradient-norm clip (<= 0: none)
   */
  public record Config(int epochs, float learningRate, int batchSize, int maxLength, long seed,
      float warmup, float weightDecay, float dropout, float clipNorm) {
    public Config {
      if (epochs <= 0 || batchSize <= 0 || maxLength <= 0) {
        throw new IllegalArgumentException("epochs, batch size and max length must be > 0, got "
            + epochs + ", " + batchSize + ", " + maxLength);
      }
      if (!(learningRate > 0) || !(warmup >= 0 && warmup < 1)) {
        throw new IllegalArgumentException("need learning rate > 0 and warm-up in [0, 1), got "
            + learningRate + " and " + warmup);
      }
    }

    public static Config defaults(int epochs, float lr, int batch, int maxLength, long seed) {
      return new Config(epochs, lr, batch, maxLength, seed, 0.1f, 0.01f, 0.1f, 1.0f);
    }
  }

  /** One epoch: mean training loss and the dev metrics after it. */
  public record Epoch(int epoch, double trainLoss, Map<String, Double> dev) {}

  /**
   * @param spec           the fine-tuned model's spec (with its head)
   * @param best           weights of the best epoch (or the last good ones after a NaN)
   * @param bestEpoch      1-based; 0 if no epoch completed
   * @param epochs         per-epoch results
   * @param secondsPerStep mean wall time of a training step
   * @param failure        null, or why training stopped early
   */
  public record Result(ModelSpec spec, Weights best, int bestEpoch, List<Epoch> epochs,
      double secondsPerStep, String failure) {}

  /**
   * The pre-trained spec and weights plus a fresh classification head (and a fresh pooler if the
   * model has none, as Hugging Face does): N(0, 0.02) kernels, zero biases.
   */
  public static Weights addHead(ModelSpec pretrained, Weights w, ModelSpec withHead, long seed) {
    Random r = new Random(seed);
    Weights out = w.copy();
    int d = pretrained.hiddenSize();
    if (!pretrained.pooler()) {
      out.put(BertLayout.POOLER + "/kernel", normal(r, d, d));
      out.put(BertLayout.POOLER + "/bias", FloatTensor.zeros(d));
    }
    int labels = withHead.head().labels().size();
    out.put(BertLayout.CLASSIFIER + "/kernel", normal(r, d, labels));
    out.put(BertLayout.CLASSIFIER + "/bias", FloatTensor.zeros(labels));
    return out;
  }

  private static FloatTensor normal(Random r, int rows, int cols) {
    FloatTensor t = FloatTensor.zeros(rows, cols);
    for (int i = 0; i < t.size(); i++) {
      t.data()[i] = (float) (0.02 * r.nextGaussian());
    }
    return t;
  }

  public static Result fineTune(ModelSpec spec, Weights init, TextTokenizer tok,
      List<Sample> train, List<Sample> dev, Config c, PrintStream progress) {
    TaskHead head = spec.head();
    if (head == null) {
      throw new IllegalArgumentException("the model has no classification head");
    }
    if (train.isEmpty() || dev.isEmpty()) {
      throw new IllegalArgumentException("empty split: " + train.size() + " training and "
          + dev.size() + " dev samples");
    }
    Encoded tr = Encoded.of(tok, train, head, c.maxLength());
    Encoded dv = Encoded.of(tok, dev, head, c.maxLength());
    int stepsPerEpoch = (train.size() + c.batchSize() - 1) / c.batchSize();
    int total = stepsPerEpoch * c.epochs();
    int warm = (int) Math.floor(c.warmup() * total);
    List<Epoch> epochs = new ArrayList<>();
    Weights best = init;
    int bestEpoch = 0;
    double bestValue = Double.NEGATIVE_INFINITY;
    long stepNanos = 0;
    int step = 0;
    String failure = null;
    try (TrainingGraph g = new TrainingGraph(spec, init, c.dropout(), c.clipNorm(),
        new AdamW(0.9f, 0.999f, 1e-6f, c.weightDecay()))) {
      outer:
      for (int e = 1; e <= c.epochs(); e++) {
        int[] order = shuffled(train.size(), new Random(c.seed() * 31 + e));
        Progress bar = new Progress(progress, "epoch " + e + "/" + c.epochs(), stepsPerEpoch,
            "steps");
        double lossSum = 0;
        for (int s = 0; s < stepsPerEpoch; s++) {
          int[] idx = Arrays.copyOfRange(order, s * c.batchSize(),
              Math.min(train.size(), (s + 1) * c.batchSize()));
          step++;
          float lr = step <= warm ? c.learningRate() * step / warm
              : c.learningRate() * (total - step + 1) / Math.max(1, total - warm);
          long t0 = System.nanoTime();
          TrainingGraph.StepResult r = g.step(tr.batch(idx, tok.padId()), tr.labels(idx), lr,
              step, c.seed() * 1_000_003L + step);
          stepNanos += System.nanoTime() - t0;
          if (!Float.isFinite(r.loss())) {
            failure = String.format("loss became %s at epoch %d step %d (learning rate %.3g);"
                + " kept the weights of %s", r.loss(), e, s + 1, lr,
                bestEpoch == 0 ? "the start" : "epoch " + bestEpoch);
            break outer;
          }
          lossSum += r.loss();
          bar.advance(1);
        }
        Weights now = g.readWeights();
        Map<String, Double> metrics = evaluate(spec, now, dv, c.batchSize(), tok.padId());
        epochs.add(new Epoch(e, lossSum / stepsPerEpoch, metrics));
        progress.printf("epoch %d: train loss %.4f, dev %s%n", e, lossSum / stepsPerEpoch, metrics);
        if (metrics.get("accuracy") > bestValue) {
          bestValue = metrics.get("accuracy");
          best = now;
          bestEpoch = e;
        }
      }
    }
    return new Result(spec, best, bestEpoch, epochs, step == 0 ? 0 : stepNanos / 1e9 / step,
        failure);
  }

  /** Accuracy (and F1 and Matthews correlation for two labels) of a model on samples. */
  public static Map<String, Double> evaluate(TransformerModel m, TextTokenizer tok,
      List<Sample> samples, int batchSize, int maxLength) {
    Encoded enc = Encoded.of(tok, samples, m.spec().head(), maxLength);
    return evaluate(m, enc, batchSize, tok.padId());
  }

  private static Map<String, Double> evaluate(ModelSpec spec, Weights w, Encoded enc,
      int batchSize, int padId) {
    try (TransformerModel m = TransformerModel.build(spec, w, null)) {
      return evaluate(m, enc, batchSize, padId);
    }
  }

  private static Map<String, Double> evaluate(TransformerModel m, Encoded enc, int batchSize,
      int padId) {
    if (m.spec().head() == null) {
      throw new IllegalArgumentException("the model has no classification head to evaluate");
    }
    int n = enc.ids.length;
    int labels = m.spec().head().labels().size();
    int[] pred = new int[n];
    for (int from = 0; from < n; from += batchSize) {
      int[] idx = new int[Math.min(batchSize, n - from)];
      for (int i = 0; i < idx.length; i++) {
        idx[i] = from + i;
      }
      float[] p = m.serve(enc.batch(idx, padId), List.of("probabilities")).get("probabilities")
          .data();
      for (int i = 0; i < idx.length; i++) {
        int arg = 0;
        for (int k = 1; k < labels; k++) {
          if (p[i * labels + k] > p[i * labels + arg]) {
            arg = k;
          }
        }
        pred[from + i] = arg;
      }
    }
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("accuracy", Metrics.accuracy(enc.labels, pred));
    if (labels == 2) {
      out.put("f1", Metrics.f1(enc.labels, pred, 1));
      out.put("matthews", Metrics.matthews(enc.labels, pred));
    }
    return out;
  }

  private static int[] shuffled(int n, Random r) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** Samples tokenized once, with label ids. */
  private record Encoded(int[][] ids, int[][] types, int[] labels) {
    static Encoded of(TextTokenizer tok, List<Sample> samples, TaskHead head, int maxLength) {
      int n = samples.size();
      int[][] ids = new int[n][];
      int[][] types = new int[n][];
      int[] labels = new int[n];
      for (int i = 0; i < n; i++) {
        Sample s = samples.get(i);
        int l = head.labels().indexOf(s.label());
        if (l < 0) {
          throw new IllegalArgumentException("sample '" + s.id() + "' has label '" + s.label()
              + "', not one of " + head.labels());
        }
        TokenBatch b;
        try {
          b = tok.encode(List.of(s.text()), s.textPair() == null ? null : List.of(s.textPair()),
              maxLength);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("sample '" + s.id() + "': " + e.getMessage(), e);
        }
        ids[i] = b.inputIds();
        types[i] = b.tokenTypeIds();
        labels[i] = l;
      }
      return new Encoded(ids, types, labels);
    }

    TokenBatch batch(int[] idx, int padId) {
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

    int[] labels(int[] idx) {
      int[] out = new int[idx.length];
      for (int i = 0; i < idx.length; i++) {
        out[i] = labels[idx[i]];
      }
      return out;
    }
  }
}
