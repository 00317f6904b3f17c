package org.ppruning.train;

import java.util.Arrays;

/**
 * Evaluation metrics, as GLUE and SQuAD report them. Every method checks that its inputs have the
 * same length and are not empty.
 */
public final class Metrics {
  private Metrics() {}

  public static double accuracy(int[] gold, int[] pred) {
    check(gold.length, pred.length);
    int ok = 0;
    for (int i = 0; i < gold.length; i++) {
      ok += gold[i] == pred[i] ? 1 : 0;
    }
    return (double) ok / gold.length;
  }

  /** F1 of the positive class {@code positive} (MRPC, QQP report it for label 1). */
  public static double f1(int[] gold, int[] pred, int positive) {
    check(gold.length, pred.length);
    long tp = 0;
    long fp = 0;
    long fn = 0;
    for (int i = 0; i < gold.length; i++) {
      boolean g = gold[i] == positive;
      boolean p = pred[i] == positive;
      tp += g && p ? 1 : 0;
      fp += !g && p ? 1 : 0;
      fn += g && !p ? 1 : 0;
    }
    return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
  }

  /** Matthews correlation for binary labels 0/1 (CoLA); 0 when a margin is empty. */
  public static double matthews(int[] gold, int[] pred) {
    check(gold.length, pred.length);
    double tp = 0;
    double tn = 0;
    double fp = 0;
    double fn = 0;
    for (int i = 0; i < gold.length; i++) {
      if (gold[i] == 1) {
        tp += pred[i] == 1 ? 1 : 0;
        fn += pred[i] == 1 ? 0 : 1;
      } else {
        fp += pred[i] == 1 ? 1 : 0;
        tn += pred[i] == 1 ? 0 : 1;
      }
    }
    double den = Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
    return den == 0 ? 0 : (tp * tn - fp * fn) / den;
  }

  public static double pearson(double[] x, double[] y) {
    check(x.length, y.length);
    double mx = Arrays.stream(x).average().orElseThrow();
    double my = Arrays.stream(y).average().orElseThrow();
    double sxy = 0;
    double sxx = 0;
    double syy = 0;
    for (int i = 0; i < x.length; i++) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) * (x[i] - mx);
      syy += (y[i] - my) * (y[i] - my);
    }
    return sxx == 0 || syy == 0 ? 0 : sxy / Math.sqrt(sxx * syy);
  }

  /** Spearman's rho: Pearson on ranks, ties given their average rank. */
  public static double spearman(double[] x, double[] y) {
    check(x.length, y.length);
    return pearson(ranks(x), ranks(y));
  }

  /** exp(mean negative log-likelihood per token). */
  public static double perplexity(double totalNll, long tokens) {
    if (tokens <= 0) {
      throw new IllegalArgumentException("perplexity needs at least one token");
    }
    return Math.exp(totalNll / tokens);
  }

  static double[] ranks(double[] x) {
    Integer[] idx = new Integer[x.length];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (a, b) -> Double.compare(x[a], x[b]));
    double[] r = new double[x.length];
    for (int i = 0; i < idx.length; ) {
      int j = i;
      while (j + 1 < idx.length && x[idx[j + 1]] == x[idx[i]]) {
        j++;
      }
      double avg = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) {
        r[idx[k]] = avg;
      }
      i = j + 1;
    }
    return r;
  }

  private static void check(int a, int b) {
    if (a != b) {
      throw new IllegalArgumentException("metric inputs differ in length: " + a + " vs " + b);
    }
    if (a == 0) {
      throw new IllegalArgumentException("metric needs at least one example");
    }
  }
}
