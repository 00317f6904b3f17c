package org.ppruning.tokenize;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Varied real text for tokenizer parity: the GPL-3 text shipped with Debian plus hard cases. */
final class RealSentences {

  static final Path GPL3 = Path.of("/usr/share/common-licenses/GPL-3");

  /** Accents, scripts, emoji, whitespace, punctuation and over-long words. */
  static final List<String> HARD_CASES =
      List.of(
          "Hello, world!",
          "Café au lait, naïve façade — déjà vu.",
          "Ångström and Øresund; ÀÉÎÕÜ àéîõü ñandú",
          "Straße, Ärger, Übermaß",
          "中华人民共和国成立于1949年。",
          "日本語のテキストです。カタカナも。",
          "한국어 문장도 있습니다",
          "Ελληνικά κείμενα και Русский текст",
          "עברית والعربية और हिन्दी",
          "Emoji: 😀👍🏽 🇫🇷 ✓ ★",
          "Tabs\tand\nnewlines\r\nand   multiple     spaces",
          "  leading and trailing spaces  ",
          "don't won't I'm we'll they've she'd it's",
          "$1,234.56 (approx.) vs. 7% -- C++ && Java || Rust?!",
          "quotes \"double\" 'single' «guillemets» „low“",
          "combining e\u0301 and precomposed é",
          "zero\u200Bwidth and non\u00A0breaking",
          "control \u0007 bell and \u001B escape",
          "x".repeat(150) + " then a normal word",
          "y".repeat(99) + " is just under the word limit",
          "ALL CAPS SENTENCE WITH NUMBERS 12345 AND SYMBOLS #@!",
          "[MASK] and [CLS] written in the text",
          "The capital of France is [MASK].");

  private RealSentences() {}

  /** The GPL-3's non-blank lines (trimmed) followed by {@link #HARD_CASES}. */
  static List<String> load() throws IOException {
    if (!Files.isRegularFile(GPL3)) {
      throw new IllegalStateException(GPL3 + " is missing (Debian package base-files)");
    }
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(GPL3, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        out.add(line.strip());
      }
    }
    out.addAll(HARD_CASES);
    return out;
  }

  /** One long paragraph: the GPL-3 preamble, well over 128 tokens. */
  static String longParagraph() throws IOException {
    String text = Files.readString(GPL3, StandardCharsets.UTF_8);
    int start = text.indexOf("Preamble");
    return text.substring(start, start + 3000).replaceAll("\\s+", " ");
  }
}
