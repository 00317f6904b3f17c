package org.ppruning.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * SQuAD's answer metrics, as its official evaluation script defines them: answers are normalised
 * (lower case, punctuation and the articles a/an/the removed, whitespace collapsed); exact match
 * and token-overlap F1 take the best over the gold answers. An unanswerable question (no gold
 * answer) scores 1 exactly when the prediction is empty.
 */
public final class QaMetrics {
  private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b");
  private static final Pattern PUNCT = Pattern.compile("\\p{Punct}");

  private QaMetrics() {}

  static String normalize(String s) {
    String x = PUNCT.matcher(s.toLowerCase(java.util.Locale.ROOT)).replaceAll("");
    x = ARTICLES.matcher(x).replaceAll(" ");
    return String.join(" ", x.trim().split("\\s+")).trim();
  }

  public static double exactMatch(String pred, List<String> gold) {
    if (gold.isEmpty()) {
      return normalize(pred).isEmpty() ? 1 : 0;
    }
    for (String g : gold) {
      if (normalize(g).equals(normalize(pred))) {
        return 1;
      }
    }
    return 0;
  }

  public static double tokenF1(String pred, List<String> gold) {
    if (gold.isEmpty()) {
      return normalize(pred).isEmpty() ? 1 : 0;
    }
    double best = 0;
    for (String g : gold) {
      best = Math.max(best, f1(tokens(pred), tokens(g)));
    }
    return best;
  }

  private static List<String> tokens(String s) {
    String n = normalize(s);
    return n.isEmpty() ? List.of() : List.of(n.split(" "));
  }

  private static double f1(List<String> pred, List<String> gold) {
    if (pred.isEmpty() || gold.isEmpty()) {
      return pred.equals(gold) ? 1 : 0;
    }
    Map<String, Integer> counts = new HashMap<>();
    gold.forEach(t -> counts.merge(t, 1, Integer::sum));
    int common = 0;
    for (String t : new ArrayList<>(pred)) {
      Integer c = counts.get(t);
      if (c != null && c > 0) {
        common++;
        counts.put(t, c - 1);
      }
    }
    if (common == 0) {
      return 0;
    }
    double p = (double) common / pred.size();
    double r = (double) common / gold.size();
    return 2 * p * r / (p + r);
  }
}
