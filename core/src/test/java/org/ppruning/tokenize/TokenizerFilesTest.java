package org.ppruning.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.graph.TokenBatch;

class TokenizerFilesTest {

  /** A byte-level BPE in miniature: "hello world!" is three tokens after nine merges. */
  static final String ENCODER =
      """
      {"h":0,"e":1,"l":2,"o":3,"\u0120":4,"w":5,"r":6,"d":7,"!":8,"he":9,"ll":10,"hell":11,
       "hello":12,"\u0120w":13,"or":14,"\u0120wor":15,"ld":16,"\u0120world":17,"<|endoftext|>":18}
      """;

  static final String MERGES =
      "#version: 0.2\nh e\nl l\nhe ll\nhell o\n\u0120 w\no r\n" + "\u0120w or\nl d\n\u0120wor ld\n";

  @TempDir Path tmp;

  @Test
  void wordPieceJsonFollowsTheBertLayout() throws IOException {
    JsonNode j =
        new ObjectMapper().readTree(TokenizerFiles.wordPieceJson(TextTokenizerTest.VOCAB, false));
    assertEquals("BertNormalizer", j.at("/normalizer/type").asText());
    assertEquals(false, j.at("/normalizer/lowercase").asBoolean());
    assertEquals(false, j.at("/normalizer/strip_accents").asBoolean(true));
    assertEquals(true, j.at("/normalizer/handle_chinese_chars").asBoolean());
    assertEquals("BertPreTokenizer", j.at("/pre_tokenizer/type").asText());
    assertEquals(100, j.at("/model/max_input_chars_per_word").asInt());
    assertEquals(22, j.at("/model/vocab").size());
    assertEquals(19, j.at("/model/vocab/Café").asInt());
    assertEquals(
        List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"),
        j.get("added_tokens").findValuesAsText("content"));
    assertEquals(1, j.at("/post_processor/pair/4/SpecialToken/type_id").asInt());
    assertEquals(3, j.at("/post_processor/special_tokens/[SEP]/ids/0").asInt());
    assertTrue(j.get("truncation").isNull() && j.get("padding").isNull());
  }

  @Test
  void wordPieceVocabularyErrorsNameTheProblem() throws IOException {
    List<String> noMask = new ArrayList<>(TextTokenizerTest.VOCAB);
    noMask.remove("[MASK]");
    noMask.remove("[CLS]");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> TokenizerFiles.wordPieceJson(noMask, true));
    assertEquals(
        "vocabulary of 20 tokens lacks the special tokens [[CLS], [MASK]]", e.getMessage());

    List<String> dup = new ArrayList<>(TextTokenizerTest.VOCAB);
    dup.add("hello");
    e = assertThrows(IllegalArgumentException.class, () -> TokenizerFiles.wordPieceJson(dup, true));
    assertEquals("vocabulary token 'hello' appears twice, as id 5 and 22", e.getMessage());

    Path vocab = Files.writeString(tmp.resolve("vocab.txt"), "[PAD]\n\n[UNK]\n");
    e = assertThrows(IllegalArgumentException.class, () -> Tokenizers.readVocab(vocab));
    assertEquals(vocab + " line 2 is empty", e.getMessage());
    assertEquals(
        List.of("[PAD]", "[UNK]"),
        Tokenizers.readVocab(Files.writeString(tmp.resolve("crlf.txt"), "[PAD]\r\n[UNK]\r\n")));
  }

  @Test
  void byteLevelBpeEncodesPadsAndRoundTrips() throws IOException {
    Path encoder = Files.writeString(tmp.resolve("encoder.json"), ENCODER);
    Path merges = Files.writeString(tmp.resolve("vocab.bpe"), MERGES);
    Path json =
        Files.writeString(
            tmp.resolve("tokenizer.json"), TokenizerFiles.gpt2BpeJson(encoder, merges));

    try (TextTokenizer t = TextTokenizer.load(json)) {
      assertArrayEquals(new long[] {12, 17, 8}, t.ids("hello world!"));
      assertEquals(18, t.padId());
      assertEquals(19, t.vocabSize());
      assertEquals("hello world!", t.decode(new int[] {12, 17, 8}));
      assertArrayEquals(new long[] {12, 18, 12}, t.ids("hello<|endoftext|>hello"));

      TokenBatch b = t.encode(List.of("hello", "hello world!"), null, 8);
      assertArrayEquals(new int[] {12, 18, 18, 12, 17, 8}, b.inputIds());
      assertArrayEquals(new int[] {1, 0, 0, 1, 1, 1}, b.attentionMask());

      TokenBatch p = t.encode(List.of("hello"), List.of(" world"), 8);
      assertArrayEquals(new int[] {12, 17}, p.inputIds());
      assertArrayEquals(new int[] {0, 1}, p.tokenTypeIds());
    }
  }

  @Test
  void malformedBpeFilesAreNamed() throws IOException {
    Path encoder = Files.writeString(tmp.resolve("encoder.json"), ENCODER);
    Path bad = Files.writeString(tmp.resolve("vocab.bpe"), "#version: 0.2\nh e\nhe ll o\n");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> TokenizerFiles.gpt2BpeJson(encoder, bad));
    assertEquals(
        bad + " line 3: expected two symbols separated by one space, got 'he ll o'",
        e.getMessage());

    Path noEot = Files.writeString(tmp.resolve("e2.json"), "{\"a\":0}");
    e = assertThrows(IllegalArgumentException.class, () -> TokenizerFiles.gpt2BpeJson(noEot, bad));
    assertEquals(noEot + " has no <|endoftext|> token", e.getMessage());

    Path shared = Files.writeString(tmp.resolve("e3.json"), "{\"a\":0,\"b\":0}");
    e = assertThrows(IllegalArgumentException.class, () -> TokenizerFiles.gpt2BpeJson(shared, bad));
    assertEquals(shared + ": tokens 'a' and 'b' share id 0", e.getMessage());
  }
}
