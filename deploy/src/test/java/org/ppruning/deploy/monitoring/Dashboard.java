package org.ppruning.deploy.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ppruning.deploy.images.ServiceFacts;

/**
 * The Grafana dashboard deploy/k8s/monitoring/ppruning-dashboard.json: its PromQL expressions
 * (panel targets and query variables) and the metric names they select.
 *
 * @param json the parsed dashboard
 */
public record Dashboard(JsonNode json) {

  /** PromQL keywords and aggregation modifiers that look like names but select nothing. */
  private static final Set<String> KEYWORDS =
      Set.of(
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "offset",
          "bool",
          "and",
          "or",
          "unless",
          "atan2",
          "inf",
          "nan");

  private static final Pattern NAME = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*");

  public static Path file() {
    return ServiceFacts.root().resolve("deploy/k8s/monitoring/ppruning-dashboard.json");
  }

  /** Parses the committed dashboard; a file that is not JSON fails naming the file. */
  public static Dashboard load() {
    return load(file());
  }

  /** Parses a dashboard file (the system tests find it under their project directory). */
  public static Dashboard load(Path file) {
    try {
      return new Dashboard(new ObjectMapper().readTree(file.toFile()));
    } catch (IOException e) {
      throw new IllegalStateException(file + " does not parse as JSON: " + e.getMessage(), e);
    }
  }

  /** Every PromQL expression: panel targets (rows' nested panels too) and query variables. */
  public List<String> expressions() {
    List<String> out = new ArrayList<>();
    collect(json.path("panels"), out);
    for (JsonNode v : json.path("templating").path("list")) {
      if ("query".equals(v.path("type").asText())) {
        JsonNode q = v.path("query");
        out.add(q.isObject() ? q.path("query").asText() : q.asText());
      }
    }
    return out;
  }

  private static void collect(JsonNode panels, List<String> out) {
    for (JsonNode p : panels) {
      for (JsonNode t : p.path("targets")) {
        out.add(t.path("expr").asText());
      }
      collect(p.path("panels"), out);
    }
  }

  /** The metric names of all {@link #expressions()}, sorted. */
  public Set<String> metricNames() {
    Set<String> out = new TreeSet<>();
    expressions().forEach(e -> out.addAll(metricNames(e)));
    return out;
  }

  /**
   * The series names a PromQL expression selects, as exposed (a histogram's {@code _bucket}, a
   * timer's {@code _count} and {@code _sum} as they are): identifiers outside strings, label
   * matchers {@code {...}}, ranges {@code [...]} and grouping clauses ({@code by (...)}, {@code
   * without}, {@code on}, {@code ignoring}, {@code group_left/right}), that are not function calls,
   * keywords, numbers or Grafana variables. {@code label_values(metric, label)} of a query variable
   * gives its metric.
   */
  public static Set<String> metricNames(String expr) {
    String s = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"");
    s = s.replaceAll("label_values\\(([^,)]*),[^)]*\\)", "$1");
    s = s.replaceAll("\\{[^}]*}", " ");
    s = s.replaceAll("\\[[^\\]]*]", " ");
    s = s.replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
    s = s.replaceAll("\\$\\{?[A-Za-z0-9_]+}?", " ");
    Set<String> out = new TreeSet<>();
    Matcher m = NAME.matcher(s);
    while (m.find()) {
      String name = m.group();
      int next = m.end();
      while (next < s.length() && Character.isWhitespace(s.charAt(next))) {
        next++;
      }
      boolean call = next < s.length() && s.charAt(next) == '(';
      boolean partOfNumber = m.start() > 0 && Character.isDigit(s.charAt(m.start() - 1));
      if (!call && !partOfNumber && !KEYWORDS.contains(name.toLowerCase())) {
        out.add(name);
      }
    }
    return out;
  }

  /**
   * The series names of a Prometheus text exposition ({@code /q/metrics}): the name of every sample
   * line, e.g. {@code x_seconds_bucket}, {@code x_seconds_count}, {@code x_total}.
   */
  public static Set<String> exposed(String exposition) {
    Set<String> out = new TreeSet<>();
    for (String line : exposition.split("\n")) {
      Matcher m = NAME.matcher(line);
      if (!line.startsWith("#") && m.lookingAt()) {
        out.add(m.group());
      }
    }
    return out;
  }
}
