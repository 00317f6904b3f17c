package org.ppruning.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ppruning.data.QaSample;
import org.ppruning.graph.Precision;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TaskHead;
import org.ppruning.model.Weights;

/**
 * A model's metrics on encoded examples, by head kind: classification (accuracy, and F1 and
 * Matthews correlation for two labels), regression (Pearson, Spearman, MSE), extractive QA (exact
 * match and token F1, SQuAD's definitions), language modelling (perplexity, mean NLL, top-1
 * accuracy of the predicted tokens).
 */
public final class Evaluation {
  /** Longest predicted answer, in tokens (SQuAD's reference code uses 30). */
  static final int MAX_ANSWER_TOKENS = 30;

  private Evaluation() {}

  /** The metric that picks the best epoch. */
  public static String mainMetric(TaskHead head) {
    return switch (head.type()) {
      case TaskHead.CLASSIFICATION -> "accuracy";
      case TaskHead.REGRESSION -> "pearson";
      case TaskHead.EXTRACTIVE_QA -> "exact_match";
      default -> "perplexity";
    };
  }

  /** Perplexity is the one metric where lower is better. */
  public static boolean higherIsBetter(String metric) {
    return !metric.equals("perplexity");
  }

  /** Metrics of a built model. */
  public static Map<String, Double> evaluate(TransformerModel m, Examples ex, int batchSize) {
    ModelSpec spec = m.spec();
    if (spec.head() == null) {
      throw new IllegalArgumentException("the model has no task head to evaluate");
    }
    if (ex instanceof Examples.Tokens t) {
      if (m.precision() != Precision.FP32) {
        throw new IllegalArgumentException(
            "precision "
                + m.precision().id()
                + ": language models are evaluated on the training graph, which computes in fp32;"
                + " evaluate them in fp32");
      }
      return languageModel(spec, m.readWeights(), t, batchSize);
    }
    if (ex instanceof Examples.Classified c) {
      return classification(m, c, batchSize);
    }
    if (ex instanceof Examples.Scored s) {
      return regression(m, s, batchSize);
    }
    return qa(m, (Examples.Spans) ex, batchSize);
  }

  /** Metrics of a spec and weights (builds the model). */
  public static Map<String, Double> evaluate(
      ModelSpec spec, Weights w, Examples ex, int batchSize) {
    if (ex instanceof Examples.Tokens t) {
      return languageModel(spec, w, t, batchSize);
    }
    try (TransformerModel m = TransformerModel.build(spec, w, null)) {
      return evaluate(m, ex, batchSize);
    }
  }

  private static Map<String, Double> classification(
      TransformerModel m, Examples.Classified ex, int batchSize) {
    int labels = m.spec().head().labels().size();
    int[] pred = new int[ex.size()];
    forBatches(
        ex.size(),
        batchSize,
        idx -> {
          float[] p = m.serve(ex.batch(idx), List.of("probabilities")).get("probabilities").data();
          for (int i = 0; i < idx.length; i++) {
            int arg = 0;
            for (int k = 1; k < labels; k++) {
              if (p[i * labels + k] > p[i * labels + arg]) {
                arg = k;
              }
            }
            pred[idx[i]] = arg;
          }
        });
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("accuracy", Metrics.accuracy(ex.labels, pred));
    if (labels == 2) {
      out.put("f1", Metrics.f1(ex.labels, pred, 1));
      out.put("matthews", Metrics.matthews(ex.labels, pred));
    }
    return out;
  }

  private static Map<String, Double> regression(
      TransformerModel m, Examples.Scored ex, int batchSize) {
    double[] pred = new double[ex.size()];
    double[] gold = new double[ex.size()];
    forBatches(
        ex.size(),
        batchSize,
        idx -> {
          float[] s = m.serve(ex.batch(idx), List.of("score")).get("score").data();
          for (int i = 0; i < idx.length; i++) {
            pred[idx[i]] = s[i];
            gold[idx[i]] = ex.scores[idx[i]];
          }
        });
    double mse = 0;
    for (int i = 0; i < pred.length; i++) {
      mse += (pred[i] - gold[i]) * (pred[i] - gold[i]) / pred.length;
    }
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("pearson", Metrics.pearson(gold, pred));
    out.put("spearman", Metrics.spearman(gold, pred));
    out.put("mse", mse);
    return out;
  }

  private static Map<String, Double> qa(TransformerModel m, Examples.Spans ex, int batchSize) {
    String[] answers = new String[ex.size()];
    forBatches(
        ex.size(),
        batchSize,
        idx -> {
          TokenBatch b = ex.batch(idx);
          var out = m.serve(b, List.of("start_logits", "end_logits"));
          float[] s = out.get("start_logits").data();
          float[] e = out.get("end_logits").data();
          for (int i = 0; i < idx.length; i++) {
            answers[idx[i]] =
                decodeSpan(
                    ex.pairs[idx[i]],
                    ex.samples.get(idx[i]).context(),
                    s,
                    e,
                    i * b.seqLen(),
                    ex.allowNoAnswer);
          }
        });
    double em = 0;
    double f1 = 0;
    for (int i = 0; i < ex.size(); i++) {
      QaSample q = ex.samples.get(i);
      List<String> gold = new ArrayList<>();
      q.answers().forEach(a -> gold.add(a.text()));
      em += QaMetrics.exactMatch(answers[i], gold);
      f1 += QaMetrics.tokenF1(answers[i], gold);
    }
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("exact_match", em / ex.size());
    out.put("token_f1", f1 / ex.size());
    return out;
  }

  /**
   * The best span (start <= end, at most {@link #MAX_ANSWER_TOKENS} tokens, both in the context) by
   * start + end logit, as context text. With {@code allowEmpty} (SQuAD 2.0) the first token's score
   * stands for "no answer", and wins if it is higher.
   */
  static String decodeSpan(
      org.ppruning.tokenize.TextTokenizer.SpannedPair p,
      String context,
      float[] start,
      float[] end,
      int offset,
      boolean allowEmpty) {
    int n = p.inContext().length;
    double best = Double.NEGATIVE_INFINITY;
    int bs = -1;
    int be = -1;
    for (int s = 0; s < n; s++) {
      if (!p.inContext()[s]) {
        continue;
      }
      for (int e = s; e < Math.min(n, s + MAX_ANSWER_TOKENS); e++) {
        if (!p.inContext()[e]) {
          continue;
        }
        double v = start[offset + s] + end[offset + e];
        if (v > best) {
          best = v;
          bs = s;
          be = e;
        }
      }
    }
    if (bs < 0 || allowEmpty && start[offset] + end[offset] > best) {
      return "";
    }
    return context.substring(p.charStart()[bs], p.charEnd()[be]);
  }

  private static Map<String, Double> languageModel(
      ModelSpec spec, Weights w, Examples.Tokens ex, int batchSize) {
    double[] sums = new double[3]; // nll, hits, tokens
    try (TrainingGraph g = new TrainingGraph(spec, w, 0f, 0f, null)) {
      forBatches(
          ex.size(),
          batchSize,
          idx -> {
            TokenBatch b = ex.batch(idx);
            float[][] r = g.tokenScores(b, ex.targets(idx, b));
            for (int i = 0; i < r[0].length; i++) {
              sums[0] += r[0][i];
              sums[1] += r[1][i];
            }
            sums[2] += r[0].length;
          });
    }
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("perplexity", Metrics.perplexity(sums[0], (long) sums[2]));
    out.put("nll", sums[0] / sums[2]);
    out.put("top1_accuracy", sums[1] / sums[2]);
    out.put("tokens", sums[2]);
    return out;
  }

  /**
   * Perplexity of an add-one-smoothed unigram model of the training tokens on the held-out targets:
   * the baseline a language model has to beat.
   */
  public static double unigramPerplexity(int[] trainTokens, int[] heldOut, int vocabSize) {
    Map<Integer, Integer> counts = new HashMap<>();
    for (int t : trainTokens) {
      counts.merge(t, 1, Integer::sum);
    }
    double total = trainTokens.length + (double) vocabSize;
    double nll = 0;
    for (int t : heldOut) {
      nll -= Math.log((counts.getOrDefault(t, 0) + 1) / total);
    }
    return Metrics.perplexity(nll, heldOut.length);
  }

  interface BatchFn {
    void run(int[] idx);
  }

  static void forBatches(int n, int batchSize, BatchFn f) {
    if (n == 0) {
      throw new IllegalArgumentException("nothing to evaluate: the split is empty");
    }
    for (int from = 0; from < n; from += batchSize) {
      int[] idx = new int[Math.min(batchSize, n - from)];
      for (int i = 0; i < idx.length; i++) {
        idx[i] = from + i;
      }
      f.run(idx);
    }
  }
}
