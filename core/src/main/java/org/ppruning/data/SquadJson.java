package org.ppruning.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads SQuAD v1.1 and v2.0 JSON ({@code train-v1.1.json}, {@code dev-v2.0.json}, ...): {@code
 * {"version", "data": [{"title", "paragraphs": [{"context", "qas": [{"id", "question", "answers":
 * [{"text", "answer_start"}], "is_impossible"}]}]}]}}.
 *
 * <p>Checks, each failing with the file, the JSON path and the question id: every question has an
 * id (unique in the file), a question and, unless {@code is_impossible} (v2.0 only), at least one
 * answer; every answer's {@code answer_start} points at its {@code text} in the context. v2.0's
 * {@code plausible_answers} of impossible questions are not read. Syntax errors name the line and
 * column.
 */
public final class SquadJson {
  /** SQuAD v1.1: every question is answered by a span of its paragraph. */
  public static final Task V1 =
      Task.unlabelled(
          "squad-v1.1",
          TaskKind.EXTRACTIVE_QA,
          List.of(Metric.EXACT_MATCH, Metric.TOKEN_F1),
          "itself (official SQuAD v1.1 files)",
          "SQuAD v1.1 JSON supplied by the user");

  /** SQuAD v2.0: v1.1 plus questions the paragraph does not answer. */
  public static final Task V2 =
      Task.unlabelled(
          "squad-v2.0",
          TaskKind.EXTRACTIVE_QA,
          List.of(Metric.EXACT_MATCH, Metric.TOKEN_F1),
          "itself (official SQuAD v2.0 files)",
          "SQuAD v2.0 JSON supplied by the user");

  private SquadJson() {}

  /** The questions of a SQuAD file in file order; the version comes from its {@code version}. */
  public static List<QaSample> read(Path file) throws IOException {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          file
              + " line "
              + e.getLocation().getLineNr()
              + " column "
              + e.getLocation().getColumnNr()
              + ": not JSON: "
              + e.getOriginalMessage(),
          e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(file + ": expected a JSON object with \"data\"");
    }
    String version = root.path("version").asText("");
    boolean v2 = version.equals("v2.0");
    if (!v2 && !version.equals("1.1")) {
      throw new IllegalArgumentException(
          file + " field version: expected \"1.1\" or \"v2.0\", got " + root.get("version"));
    }
    JsonNode data = array(root, "data", file + " data");
    List<QaSample> out = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (int a = 0; a < data.size(); a++) {
      JsonNode article = data.get(a);
      String title = article.path("title").asText("");
      JsonNode paragraphs = array(article, "paragraphs", file + " data[" + a + "].paragraphs");
      for (int p = 0; p < paragraphs.size(); p++) {
        String pPath = file + " data[" + a + "].paragraphs[" + p + "]";
        JsonNode para = paragraphs.get(p);
        String context = text(para, "context", pPath + ".context");
        JsonNode qas = array(para, "qas", pPath + ".qas");
        for (int q = 0; q < qas.size(); q++) {
          JsonNode qa = qas.get(q);
          String qPath = pPath + ".qas[" + q + "]";
          String id = text(qa, "id", qPath + ".id");
          String where = qPath + " (id " + id + ")";
          if (!ids.add(id)) {
            throw new IllegalArgumentException(where + ": duplicate id");
          }
          String question = text(qa, "question", where + ".question");
          boolean impossible = false;
          if (qa.has("is_impossible")) {
            if (!v2 || !qa.get("is_impossible").isBoolean()) {
              throw new IllegalArgumentException(
                  where
                      + ".is_impossible: "
                      + (v2
                          ? "expected true or false, got " + qa.get("is_impossible")
                          : "only SQuAD v2.0 has is_impossible; this file says version 1.1"));
            }
            impossible = qa.get("is_impossible").booleanValue();
          }
          JsonNode answers = array(qa, "answers", where + ".answers");
          if (impossible && !answers.isEmpty()) {
            throw new IllegalArgumentException(
                where + ".answers: is_impossible but " + answers.size() + " answers");
          }
          if (!impossible && answers.isEmpty()) {
            throw new IllegalArgumentException(
                where + ".answers: no answer" + (v2 ? " and is_impossible is not true" : ""));
          }
          List<QaSample.Answer> list = new ArrayList<>();
          for (int i = 0; i < answers.size(); i++) {
            String aPath = where + ".answers[" + i + "]";
            JsonNode an = answers.get(i);
            String text = text(an, "text", aPath + ".text");
            JsonNode start = an.get("answer_start");
            if (start == null || !start.canConvertToInt() || !start.isIntegralNumber()) {
              throw new IllegalArgumentException(
                  aPath + ".answer_start: expected an integer, got " + start);
            }
            int s = start.intValue();
            if (s < 0
                || s + text.length() > context.length()
                || !context.regionMatches(s, text, 0, text.length())) {
              String found =
                  s < 0 || s >= context.length()
                      ? "(outside the context of " + context.length() + " characters)"
                      : "'"
                          + context.substring(s, Math.min(context.length(), s + text.length()))
                          + "'";
              throw new IllegalArgumentException(
                  aPath
                      + ".answer_start: "
                      + s
                      + " does not point at '"
                      + text
                      + "' in the context; found "
                      + found);
            }
            list.add(new QaSample.Answer(text, s));
          }
          out.add(new QaSample(id, title, question, context, list, impossible));
        }
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(file + " holds no questions");
    }
    return out;
  }

  private static JsonNode array(JsonNode parent, String field, String where) {
    JsonNode n = parent.get(field);
    if (n == null || !n.isArray()) {
      throw new IllegalArgumentException(where + ": expected an array, got " + n);
    }
    return n;
  }

  private static String text(JsonNode parent, String field, String where) {
    JsonNode n = parent.get(field);
    if (n == null || !n.isTextual() || n.asText().isEmpty()) {
      throw new IllegalArgumentException(where + ": expected a non-empty string, got " + n);
    }
    return n.asText();
  }
}
