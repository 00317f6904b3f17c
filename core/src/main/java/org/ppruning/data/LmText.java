package org.ppruning.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the official language-modelling text files: WikiText ({@code wiki.train.raw}, {@code
 * wiki.valid.raw}, {@code wiki.test.raw}, and the tokenised {@code wiki.*.tokens}) and Penn
 * Treebank as Mikolov prepared it ({@code ptb.train.txt}, {@code ptb.valid.txt}, {@code
 * ptb.test.txt}). Files are UTF-8; a malformed byte stops the read naming the line.
 */
public final class LmText {
  /** WikiText-2 / WikiText-103 (raw or tokenised). */
  public static final Task WIKITEXT =
      Task.unlabelled(
          "wikitext",
          TaskKind.CAUSAL_LM,
          List.of(Metric.PERPLEXITY),
          "itself (official WikiText files)",
          "wiki.{train,valid,test}.{raw,tokens} supplied by the user");

  /** Penn Treebank, Mikolov's language-modelling version. */
  public static final Task PTB =
      Task.unlabelled(
          "ptb",
          TaskKind.CAUSAL_LM,
          List.of(Metric.PERPLEXITY),
          "itself (official PTB language-modelling files)",
          "ptb.{train,valid,test}.txt supplied by the user");

  private LmText() {}

  /**
   * WikiText articles. An article starts at a top-level heading line {@code " = Title = "} (one
   * {@code =} on each side; section headings {@code " = = Section = = "} stay inside the article)
   * and runs to the next one. A document's text is its lines exactly as in the file, heading
   * included, each followed by {@code \n}, so the documents joined give back the file without its
   * leading blank lines. Ids are the file name and the 0-based article number ({@code
   * wiki.valid.raw#3}).
   *
   * @throws IllegalArgumentException naming the line if non-blank text comes before the first
   *     heading, or if the file holds no article
   */
  public static List<TextDocument> readWikiText(Path file) throws IOException {
    String name = file.getFileName().toString();
    List<TextDocument> out = new ArrayList<>();
    StringBuilder cur = null;
    int lineNo = 0;
    try (Utf8Lines r = new Utf8Lines(file)) {
      for (String line; (line = r.next()) != null; ) {
        lineNo = r.number();
        if (isArticleHeading(line)) {
          if (cur != null) {
            out.add(new TextDocument(name + "#" + out.size(), cur.toString()));
          }
          cur = new StringBuilder();
        } else if (cur == null) {
          if (!line.isBlank()) {
            throw new IllegalArgumentException(
                file
                    + " line "
                    + lineNo
                    + " column 1: text before "
                    + "the first article heading (\" = Title = \"): '"
                    + abbreviate(line)
                    + "'");
          }
          continue;
        }
        cur.append(line).append('\n');
      }
    }
    if (cur == null) {
      throw new IllegalArgumentException(file + " holds no article heading (\" = Title = \")");
    }
    out.add(new TextDocument(name + "#" + out.size(), cur.toString()));
    return out;
  }

  /** {@code " = Title = "}: a top-level WikiText heading, not a {@code " = = Section = = "}. */
  static boolean isArticleHeading(String line) {
    return line.length() > 6
        && line.startsWith(" = ")
        && line.endsWith(" = ")
        && !line.startsWith(" = = ")
        && !line.endsWith(" = = ");
  }

  /**
   * PTB sentences: one document per line, the line as in the file (PTB lines start with a space;
   * {@code <unk>} and {@code N} stay as they are). Ids are the file name and the 1-based line
   * number ({@code ptb.test.txt:17}).
   *
   * @throws IllegalArgumentException naming the line of an empty line (PTB has none)
   */
  public static List<TextDocument> readPtb(Path file) throws IOException {
    String name = file.getFileName().toString();
    List<TextDocument> out = new ArrayList<>();
    int lineNo = 0;
    try (Utf8Lines r = new Utf8Lines(file)) {
      for (String line; (line = r.next()) != null; ) {
        lineNo = r.number();
        if (line.isBlank()) {
          throw new IllegalArgumentException(
              file + " line " + lineNo + ": empty line (PTB has one sentence on every line)");
        }
        out.add(new TextDocument(name + ":" + lineNo, line));
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(file + " holds no sentences");
    }
    return out;
  }

  private static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
