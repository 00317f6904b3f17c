package org.ppruning.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.graph.TokenBatch;

/** WordPiece behaviour on a 22-token vocabulary the test writes. */
class TextTokenizerTest {

  /**
   * Ids: [PAD]0 [UNK]1 [CLS]2 [SEP]3 [MASK]4 hello5 world6 ,7 !8 the9 cafe10 ##s11 Hello12 un13
   * ##aff14 ##able15 .16 a17 b18 Café19 中20 国21.
   */
  static final List<String> VOCAB =
      List.of(
          "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", ",", "!", "the", "cafe",
          "##s", "Hello", "un", "##aff", "##able", ".", "a", "b", "Café", "中", "国");

  @TempDir Path tmp;

  private TextTokenizer tokenizer(boolean lowercase) throws IOException {
    Path vocab = tmp.resolve("vocab.txt");
    Files.writeString(vocab, String.join("\n", VOCAB) + "\n");
    return Tokenizers.bertFromVocab(vocab, lowercase, tmp.resolve(lowercase ? "uncased" : "cased"));
  }

  private static long[] longs(long... v) {
    return v;
  }

  @Test
  void uncasedLowercasesStripsAccentsAndSplitsWordPieces() throws IOException {
    try (TextTokenizer t = tokenizer(true)) {
      assertArrayEquals(longs(2, 5, 7, 6, 8, 3), t.ids("Hello, world!"));
      assertArrayEquals(longs(2, 10, 3), t.ids("Café"));
      assertArrayEquals(longs(2, 10, 11, 3), t.ids("CAFÉS"));
      assertArrayEquals(longs(2, 13, 14, 15, 3), t.ids("unaffable"));
      assertArrayEquals(longs(2, 20, 21, 3), t.ids("中国"));
      assertArrayEquals(longs(2, 1, 3), t.ids("zzz"));
      assertEquals(List.of("[CLS]", "un", "##aff", "##able", "[SEP]"), t.tokens("unaffable"));
    }
  }

  @Test
  void casedKeepsCaseAndAccents() throws IOException {
    try (TextTokenizer t = tokenizer(false)) {
      assertArrayEquals(longs(2, 12, 3), t.ids("Hello"));
      assertArrayEquals(longs(2, 5, 3), t.ids("hello"));
      assertArrayEquals(longs(2, 19, 3), t.ids("Café"));
      assertArrayEquals(longs(2, 1, 3), t.ids("CAFE"));
    }
  }

  @Test
  void pairsGetTokenTypeOneForTheSecondText() throws IOException {
    try (TextTokenizer t = tokenizer(true)) {
      TokenBatch b = t.encode(List.of("hello"), List.of("world !"), 16);
      assertEquals(6, b.seqLen());
      assertArrayEquals(new int[] {2, 5, 3, 6, 8, 3}, b.inputIds());
      assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1}, b.tokenTypeIds());
      assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1}, b.attentionMask());
    }
  }

  @Test
  void batchesAreRightPaddedToTheLongestText() throws IOException {
    try (TextTokenizer t = tokenizer(true)) {
      TokenBatch b = t.encode(List.of("hello", "Hello, world!", "the"), null, 6);
      assertEquals(3, b.size());
      assertEquals(6, b.seqLen());
      assertArrayEquals(
          new int[] {
            2, 5, 3, 0, 0, 0,
            2, 5, 7, 6, 8, 3,
            2, 9, 3, 0, 0, 0
          },
          b.inputIds());
      assertArrayEquals(
          new int[] {
            1, 1, 1, 0, 0, 0,
            1, 1, 1, 1, 1, 1,
            1, 1, 1, 0, 0, 0
          },
          b.attentionMask());
      assertArrayEquals(new int[18], b.tokenTypeIds());
      assertEquals(3, b.length(2));
      assertArrayEquals(new int[] {2, 9, 3}, b.ids(2));
    }
  }

  @Test
  void longTextsAreRefusedNotTruncated() throws IOException {
    String longText = String.join(" ", Collections.nCopies(600, "a"));
    try (TextTokenizer t = tokenizer(true)) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> t.encode(List.of("hello", longText), null, 512));
      assertTrue(e.getMessage().startsWith("text 1 (\"a a a"), e.getMessage());
      assertTrue(
          e.getMessage().contains("has 602 tokens, more than the limit of 512"), e.getMessage());
      // Past DJL's default of 512 nothing is cut either.
      TokenBatch b = t.encode(List.of("hello", longText), null, 1000);
      assertEquals(602, b.seqLen());
      assertEquals(602, b.length(1));
      assertEquals(3, b.length(0));
      assertEquals(602, t.ids(longText).length);
    }
  }

  @Test
  void emptyOrTokenlessTextsAreErrors() throws IOException {
    try (TextTokenizer t = tokenizer(true)) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> t.encode(List.of("hello", ""), null, 8));
      assertEquals("text 1 is empty", e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> t.encode(List.of("  \t "), null, 8));
      assertTrue(
          e.getMessage().contains("text 0 (\"  \t \") has no tokens besides special ones"),
          e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class, () -> t.encode(List.of("a", "b"), List.of("a"), 8));
      assertEquals("2 texts but 1 pair texts", e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class, () -> t.encode(List.of("a"), List.of(""), 8));
      assertEquals("pair text 0 is empty", e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> t.encode(List.of("a", "b"), List.of("a", "   "), 8));
      assertEquals("pair text 1 (\"   \") has no tokens besides special ones", e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> t.encode(List.of(), null, 8));
      assertThrows(IllegalArgumentException.class, () -> t.encode(List.of("a"), null, 0));
    }
  }

  @Test
  void vocabularyLookupAndDecoding() throws IOException {
    try (TextTokenizer t = tokenizer(true)) {
      assertEquals(22, t.vocabSize());
      assertEquals(4, t.tokenId("[MASK]"));
      assertEquals(0, t.padId());
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> t.tokenId("nope"));
      assertTrue(e.getMessage().contains("'nope' is not in the vocabulary"), e.getMessage());
      assertEquals("[CLS] hello, world! [SEP]", t.decode(new int[] {2, 5, 7, 6, 8, 3}));
      assertEquals("hello, world!", t.decode(new int[] {2, 5, 7, 6, 8, 3}, true));
      assertEquals("unaffable", t.decode(new int[] {13, 14, 15}));
      e = assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {5, 22}));
      assertEquals("id 22 at position 1 is outside the vocabulary [0, 22)", e.getMessage());
    }
  }

  @Test
  void encodeOneCutsLongestFirstKeepsSpecialTokensAndReportsTheFullLength() throws IOException {
    try (TextTokenizer t = tokenizer(true)) {
      // Same ids as encode() when it fits.
      TextTokenizer.Encoded fits = t.encodeOne("hello world", "the a", 16, false);
      TokenBatch b = t.encode(List.of("hello world"), List.of("the a"), 16);
      assertArrayEquals(b.inputIds(), fits.inputIds());
      assertArrayEquals(b.tokenTypeIds(), fits.tokenTypeIds());
      assertEquals(7, fits.fullLength());
      assertTrue(!fits.truncated());

      // [CLS] hello world , hello ! [SEP] the a b [SEP] = 11 tokens; cut to 8: the first text
      // (5 tokens) loses 2 to reach the second (3), then one more from the second on the tie.
      TextTokenizer.Encoded cut = t.encodeOne("hello world, hello!", "the a b", 8, true);
      assertArrayEquals(new int[] {2, 5, 6, 7, 3, 9, 17, 3}, cut.inputIds());
      assertArrayEquals(new int[] {0, 0, 0, 0, 0, 1, 1, 1}, cut.tokenTypeIds());
      assertEquals(11, cut.fullLength());
      assertTrue(cut.truncated());

      TextTokenizer.Encoded single = t.encodeOne("hello world, hello!", null, 4, true);
      assertArrayEquals(new int[] {2, 5, 6, 3}, single.inputIds());
      assertEquals(7, single.fullLength());

      IllegalArgumentException tooLong =
          assertThrows(
              IllegalArgumentException.class,
              () -> t.encodeOne("hello world, hello!", null, 4, false));
      assertTrue(
          tooLong.getMessage().contains("7 tokens, more than the limit of 4"),
          tooLong.getMessage());
      IllegalArgumentException noRoom =
          assertThrows(
              IllegalArgumentException.class, () -> t.encodeOne("hello world", "the", 3, true));
      assertTrue(
          noRoom.getMessage().contains("3 special tokens leave no room"), noRoom.getMessage());
      assertThrows(IllegalArgumentException.class, () -> t.encodeOne("", null, 8, true));
    }
  }
}
