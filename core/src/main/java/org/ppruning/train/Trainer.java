package org.ppruning.train;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.ppruning.data.Sample;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.BertLayout;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.Gpt2Layout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TaskHead;
import org.ppruning.model.Weights;
import org.ppruning.tokenize.TextTokenizer;
import org.ppruning.util.Progress;

/**
 * Fine-tunes a model for its task head (classification, regression, extractive QA, causal or masked
 * language modelling): shuffled mini-batches, AdamW with linear warm-up and decay, dropout,
 * clipping; evaluation on the dev split after every epoch; the best epoch's weights kept. A NaN or
 * infinite loss stops training with a clear message, keeping the last good weights.
 */
public final class Trainer {
  private Trainer() {}

  /**
   * @param epochs passes over the training split
   * @param learningRate peak learning rate
   * @param batchSize sequences per step
   * @param maxLength longest sequence accepted (longer texts are an error, never cut)
   * @param seed shuffling, head initialisation and dropout seed
   * @param warmup fraction of steps with a linearly rising learning rate
   * @param weightDecay AdamW decoupled weight decay (not on biases and LayerNorm)
   * @param dropout dropout rate
   * @param clipNorm global gradient-norm clip (<= 0: none)
   */
  public record Config(
      int epochs,
      float learningRate,
      int batchSize,
      int maxLength,
      long seed,
      float warmup,
      float weightDecay,
      float dropout,
      float clipNorm) {
    public Config {
      if (epochs <= 0 || batchSize <= 0 || maxLength <= 0) {
        throw new IllegalArgumentException(
            "epochs, batch size and max length must be > 0, got "
                + epochs
                + ", "
                + batchSize
                + ", "
                + maxLength);
      }
      if (!(learningRate > 0) || !(warmup >= 0 && warmup < 1)) {
        throw new IllegalArgumentException(
            "need learning rate > 0 and warm-up in [0, 1), got " + learningRate + " and " + warmup);
      }
    }

    public static Config defaults(int epochs, float lr, int batch, int maxLength, long seed) {
      return new Config(epochs, lr, batch, maxLength, seed, 0.1f, 0.01f, 0.1f, 1.0f);
    }
  }

  /** One epoch: mean training loss and the dev metrics after it. */
  public record Epoch(int epoch, double trainLoss, Map<String, Double> dev) {}

  /**
   * @param spec the fine-tuned model's spec (with its head)
   * @param best weights of the best epoch (or the last good ones after a NaN)
   * @param bestEpoch 1-based; 0 if no epoch completed
   * @param epochs per-epoch results
   * @param secondsPerStep mean wall time of a training step
   * @param failure null, or why training stopped early
   */
  public record Result(
      ModelSpec spec,
      Weights best,
      int bestEpoch,
      List<Epoch> epochs,
      double secondsPerStep,
      String failure) {}

  /**
   * The pre-trained spec and weights plus a fresh task head, as Hugging Face initialises one: N(0,
   * 0.02) kernels, zero biases, unit LayerNorm gains. Classification and regression add the
   * classifier (and a pooler if the head pools with one and the model has none); extractive QA adds
   * {@code qa_outputs}; masked LM adds the MLM head if the model has none; causal LM needs nothing
   * (tied to the embeddings).
   */
  public static Weights addHead(ModelSpec pretrained, Weights w, ModelSpec withHead, long seed) {
    Random r = new Random(seed);
    Weights out = w.copy();
    int d = pretrained.hiddenSize();
    TaskHead h = withHead.head();
    if (h.readsSentence()) {
      if (h.usesPooler() && !pretrained.pooler()) {
        out.put(BertLayout.POOLER + "/kernel", normal(r, d, d));
        out.put(BertLayout.POOLER + "/bias", FloatTensor.zeros(d));
      }
      int labels = h.classifierOutputs();
      out.put(BertLayout.CLASSIFIER + "/kernel", normal(r, d, labels));
      out.put(BertLayout.CLASSIFIER + "/bias", FloatTensor.zeros(labels));
    } else if (h.type().equals(TaskHead.EXTRACTIVE_QA)) {
      boolean bert = pretrained.architecture() == org.ppruning.model.Architecture.BERT;
      String q = bert ? BertLayout.QA_OUTPUTS + "/kernel" : Gpt2Layout.QA_OUTPUTS + "/w";
      out.put(q, normal(r, d, 2));
      out.put(
          bert ? BertLayout.QA_OUTPUTS + "/bias" : Gpt2Layout.QA_OUTPUTS + "/b",
          FloatTensor.zeros(2));
    } else if (h.type().equals(TaskHead.MASKED_LM) && !pretrained.mlmHead()) {
      out.put(BertLayout.MLM_TRANSFORM + "/kernel", normal(r, d, d));
      out.put(BertLayout.MLM_TRANSFORM + "/bias", FloatTensor.zeros(d));
      FloatTensor ones = FloatTensor.zeros(d);
      java.util.Arrays.fill(ones.data(), 1f);
      out.put(BertLayout.MLM_TRANSFORM_LN + "/gamma", ones);
      out.put(BertLayout.MLM_TRANSFORM_LN + "/beta", FloatTensor.zeros(d));
      out.put(BertLayout.MLM_OUTPUT_BIAS, FloatTensor.zeros(pretrained.vocabSize()));
    }
    return out;
  }

  private static FloatTensor normal(Random r, int rows, int cols) {
    FloatTensor t = FloatTensor.zeros(rows, cols);
    for (int i = 0; i < t.size(); i++) {
      t.data()[i] = (float) (0.02 * r.nextGaussian());
    }
    return t;
  }

  /** Fine-tunes a classifier on labelled samples (see {@link #train}). */
  public static Result fineTune(
      ModelSpec spec,
      Weights init,
      TextTokenizer tok,
      List<Sample> train,
      List<Sample> dev,
      Config c,
      PrintStream progress) {
    TaskHead head = spec.head();
    if (head == null) {
      throw new IllegalArgumentException("the model has no classification head");
    }
    if (train.isEmpty() || dev.isEmpty()) {
      throw new IllegalArgumentException(
          "empty split: " + train.size() + " training and " + dev.size() + " dev samples");
    }
    return train(
        spec,
        init,
        Examples.classification(tok, train, head, c.maxLength()),
        Examples.classification(tok, dev, head, c.maxLength()),
        c,
        progress);
  }

  /**
   * Fine-tunes a model for its head's task: {@code c.epochs()} shuffled passes over {@code tr},
   * {@link Evaluation} on {@code dv} after each, the best epoch by the head's main metric kept.
   */
  public static Result train(
      ModelSpec spec, Weights init, Examples tr, Examples dv, Config c, PrintStream progress) {
    return train(spec, init, tr, dv, c, null, progress);
  }

  /**
   * As {@link #train(ModelSpec, Weights, Examples, Examples, Config, PrintStream)}, with every
   * layer also pulled towards a teacher's ({@code distill}; null: the task loss alone).
   */
  public static Result train(
      ModelSpec spec,
      Weights init,
      Examples tr,
      Examples dv,
      Config c,
      Distillation distill,
      PrintStream progress) {
    if (spec.head() == null) {
      throw new IllegalArgumentException("the model has no task head to train");
    }
    if (tr.size() == 0 || dv.size() == 0) {
      throw new IllegalArgumentException(
          "empty split: " + tr.size() + " training and " + dv.size() + " dev rows");
    }
    String main = Evaluation.mainMetric(spec.head());
    boolean higher = Evaluation.higherIsBetter(main);
    int stepsPerEpoch = (tr.size() + c.batchSize() - 1) / c.batchSize();
    int total = stepsPerEpoch * c.epochs();
    int warm = (int) Math.floor(c.warmup() * total);
    List<Epoch> epochs = new ArrayList<>();
    Weights best = init;
    int bestEpoch = 0;
    double bestValue = Double.NEGATIVE_INFINITY;
    long stepNanos = 0;
    int step = 0;
    String failure = null;
    try (TrainingGraph g =
        new TrainingGraph(
            spec,
            init,
            c.dropout(),
            c.clipNorm(),
            new AdamW(0.9f, 0.999f, 1e-6f, c.weightDecay()),
            distill)) {
      outer:
      for (int e = 1; e <= c.epochs(); e++) {
        int[] order = shuffled(tr.size(), new Random(c.seed() * 31 + e));
        Progress bar =
            new Progress(progress, "epoch " + e + "/" + c.epochs(), stepsPerEpoch, "steps");
        double lossSum = 0;
        for (int s = 0; s < stepsPerEpoch; s++) {
          int[] idx =
              Arrays.copyOfRange(
                  order, s * c.batchSize(), Math.min(tr.size(), (s + 1) * c.batchSize()));
          step++;
          float lr =
              step <= warm
                  ? c.learningRate() * step / warm
                  : c.learningRate() * (total - step + 1) / Math.max(1, total - warm);
          long t0 = System.nanoTime();
          TokenBatch b = tr.batch(idx);
          TrainingGraph.StepResult r =
              g.step(
                  b,
                  tr.targets(idx, b),
                  lr,
                  step,
                  c.seed() * 1_000_003L + step,
                  distill == null ? 1f : distill.scale(step, total));
          stepNanos += System.nanoTime() - t0;
          if (!Float.isFinite(r.loss())) {
            failure =
                String.format(
                    "loss became %s at epoch %d step %d (learning rate %.3g);"
                        + " kept the weights of %s",
                    r.loss(), e, s + 1, lr, bestEpoch == 0 ? "the start" : "epoch " + bestEpoch);
            break outer;
          }
          lossSum += r.loss();
          bar.advance(1);
        }
        Weights now = g.readWeights();
        Map<String, Double> metrics = Evaluation.evaluate(spec, now, dv, c.batchSize());
        epochs.add(new Epoch(e, lossSum / stepsPerEpoch, metrics));
        progress.printf("epoch %d: train loss %.4f, dev %s%n", e, lossSum / stepsPerEpoch, metrics);
        double v = higher ? metrics.get(main) : -metrics.get(main);
        if (v > bestValue) {
          bestValue = v;
          best = now;
          bestEpoch = e;
        }
      }
    }
    return new Result(
        spec, best, bestEpoch, epochs, step == 0 ? 0 : stepNanos / 1e9 / step, failure);
  }

  /** Accuracy (and F1 and Matthews correlation for two labels) of a classifier on samples. */
  public static Map<String, Double> evaluate(
      TransformerModel m, TextTokenizer tok, List<Sample> samples, int batchSize, int maxLength) {
    if (m.spec().head() == null) {
      throw new IllegalArgumentException("the model has no classification head to evaluate");
    }
    return Evaluation.evaluate(
        m, Examples.classification(tok, samples, m.spec().head(), maxLength), batchSize);
  }

  /** 0..n-1 in a random order (Fisher-Yates). */
  static int[] shuffled(int n, Random r) {
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
}
