package org.ppruning.tokenize;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.util.PairList;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.ppruning.graph.TokenBatch;

/**
 * Encodes text into the int arrays a model graph is fed, with a Hugging Face {@code tokenizer.json}
 * run by DJL's native tokenizers library. Texts are never truncated: DJL's own default would cut at
 * 512 tokens without a word, so truncation and padding are switched off in DJL and padding is done
 * here, to the longest sequence of each batch.
 *
 * <p>Usage:
 *
 * <pre>{@code
 * try (TextTokenizer tok = TextTokenizer.load(Path.of("tokenizer.json"))) {
 *   TokenBatch b = tok.encode(List.of("Hello, world!"), null, 128);
 *   // b.inputIds() = [101, 7592, 1010, 2088, 999, 102] for uncased BERT
 * }
 * }</pre>
 */
public final class TextTokenizer implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path source;
  private final HuggingFaceTokenizer tokenizer;
  private final Map<String, Integer> vocab;
  private final int vocabSize;
  private final int padId;

  private TextTokenizer(
      Path source, HuggingFaceTokenizer tokenizer, Map<String, Integer> vocab, int padId) {
    this.source = source;
    this.tokenizer = tokenizer;
    this.vocab = vocab;
    this.vocabSize = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    this.padId = padId;
  }

  /**
   * Loads a {@code tokenizer.json} with a WordPiece or BPE model. The padding id is the file's own
   * {@code padding.pad_id} if it has one, else {@code [PAD]} (WordPiece) or {@code <|endoftext|>}
   * (BPE).
   *
   * @throws IllegalArgumentException naming the file if it has another model type or no pad token
   */
  public static TextTokenizer load(Path tokenizerJson) throws IOException {
    JsonNode root = JSON.readTree(tokenizerJson.toFile());
    JsonNode model = root == null ? null : root.get("model");
    String type = model == null ? null : model.path("type").asText(null);
    if (!"WordPiece".equals(type) && !"BPE".equals(type)) {
      throw new IllegalArgumentException(
          tokenizerJson + ": model type is " + type + ", expected WordPiece or BPE");
    }
    Map<String, Integer> vocab = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = model.path("vocab").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      vocab.put(e.getKey(), e.getValue().intValue());
    }
    for (JsonNode t : root.path("added_tokens")) {
      vocab.put(t.path("content").asText(), t.path("id").intValue());
    }
    if (vocab.isEmpty()) {
      throw new IllegalArgumentException(tokenizerJson + " has an empty vocabulary");
    }
    int padId;
    JsonNode padding = root.path("padding");
    String padToken = "WordPiece".equals(type) ? "[PAD]" : TokenizerFiles.GPT2_END_OF_TEXT;
    if (padding.has("pad_id")) {
      padId = padding.get("pad_id").intValue();
    } else if (vocab.containsKey(padToken)) {
      padId = vocab.get(padToken);
    } else {
      throw new IllegalArgumentException(
          tokenizerJson + " has no padding id and no " + padToken + " token to pad with");
    }
    DjlSettings.preferBundledNativeLibrary();
    // DJL reads these as strings; "false" switches truncation and padding off in the native side.
    Map<String, String> options =
        Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "true");
    HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(tokenizerJson, options);
    return new TextTokenizer(tokenizerJson, hf, Map.copyOf(vocab), padId);
  }

  /**
   * Encodes texts (or text pairs) with special tokens and pads them to the longest one.
   *
   * @param texts at least one non-empty text
   * @param pairsOrNull second texts, one per text, or null
   * @param maxLength the most tokens (special tokens included) a row may have
   * @throws IllegalArgumentException naming the text's index if a text is null, empty, has no
   *     tokens besides special ones
   * @throws TooLongException if a text has more than {@code maxLength} tokens (nothing is ever
   *     truncated)
   */
  public TokenBatch encode(List<String> texts, List<String> pairsOrNull, int maxLength) {
    if (texts == null || texts.isEmpty()) {
      throw new IllegalArgumentException("no texts to encode");
    }
    if (maxLength <= 0) {
      throw new IllegalArgumentException("maxLength must be > 0, got " + maxLength);
    }
    if (pairsOrNull != null && pairsOrNull.size() != texts.size()) {
      throw new IllegalArgumentException(
          texts.size() + " texts but " + pairsOrNull.size() + " pair texts");
    }
    checkTexts("text", texts);
    Encoding[] enc;
    if (pairsOrNull == null) {
      enc = tokenizer.batchEncode(texts.toArray(new String[0]));
    } else {
      checkTexts("pair text", pairsOrNull);
      enc = tokenizer.batchEncode(new PairList<>(texts, pairsOrNull));
    }
    int seqLen = 0;
    for (int i = 0; i < enc.length; i++) {
      int n = enc[i].getIds().length;
      if (tokensOfSequence(enc[i], 0) == 0) {
        throw new IllegalArgumentException(
            "text " + i + " (" + preview(texts.get(i)) + ") has no tokens besides special ones");
      }
      if (pairsOrNull != null && tokensOfSequence(enc[i], 1) == 0) {
        throw new IllegalArgumentException(
            "pair text "
                + i
                + " ("
                + preview(pairsOrNull.get(i))
                + ") has no tokens besides special ones");
      }
      if (n > maxLength) {
        throw new TooLongException("text " + i + " (" + preview(texts.get(i)) + ")", n, maxLength);
      }
      seqLen = Math.max(seqLen, n);
    }
    int[] ids = new int[enc.length * seqLen];
    int[] mask = new int[ids.length];
    int[] types = new int[ids.length];
    Arrays.fill(ids, padId);
    for (int i = 0; i < enc.length; i++) {
      long[] rowIds = enc[i].getIds();
      long[] rowTypes = enc[i].getTypeIds();
      for (int j = 0; j < rowIds.length; j++) {
        ids[i * seqLen + j] = (int) rowIds[j];
        mask[i * seqLen + j] = 1;
        types[i * seqLen + j] = (int) rowTypes[j];
      }
    }
    return new TokenBatch(enc.length, seqLen, ids, mask, types);
  }

  /**
   * One text (or pair) with special tokens, unpadded.
   *
   * @param inputIds token ids
   * @param tokenTypeIds segment ids, same length
   * @param fullLength tokens before truncation (equal to {@code inputIds.length} unless cut)
   */
  public record Encoded(int[] inputIds, int[] tokenTypeIds, int fullLength) {
    /** Whether tokens were cut to fit the length limit. */
    public boolean truncated() {
      return fullLength > inputIds.length;
    }
  }

  /**
   * Encodes one text (or pair) without padding. With {@code truncate}, a sequence longer than
   * {@code maxLength} is cut longest-first (a token at a time from the end of the longer text, the
   * second text on a tie; special tokens stay) and {@link Encoded#fullLength} tells by how much;
   * without it, it is an error. The ids equal {@link #encode}'s row for the same input.
   *
   * @throws IllegalArgumentException if a text is null or empty, has no tokens besides special
   *     ones, is longer than {@code maxLength} without {@code truncate}, or cannot be cut to {@code
   *     maxLength} while keeping one token of each text
   */
  public Encoded encodeOne(String text, String pairOrNull, int maxLength, boolean truncate) {
    if (maxLength <= 0) {
      throw new IllegalArgumentException("maxLength must be > 0, got " + maxLength);
    }
    checkTexts("text", java.util.Collections.singletonList(text));
    if (pairOrNull != null) {
      checkTexts("pair text", List.of(pairOrNull));
    }
    Encoding e = pairOrNull == null ? tokenizer.encode(text) : tokenizer.encode(text, pairOrNull);
    long[] ids = e.getIds();
    long[] types = e.getTypeIds();
    long[] seq = e.getSequenceIds();
    int n0 = tokensOfSequence(e, 0);
    int n1 = tokensOfSequence(e, 1);
    if (n0 == 0) {
      throw new IllegalArgumentException(
          "text (" + preview(text) + ") has no tokens besides" + " special ones");
    }
    if (pairOrNull != null && n1 == 0) {
      throw new IllegalArgumentException(
          "pair text (" + preview(pairOrNull) + ") has no tokens" + " besides special ones");
    }
    int n = ids.length;
    if (n > maxLength && !truncate) {
      throw new TooLongException("text (" + preview(text) + ")", n, maxLength);
    }
    int keep0 = n0;
    int keep1 = n1;
    int budget = maxLength - (n - n0 - n1); // what special tokens leave for the texts
    if (n > maxLength) {
      if (budget < (pairOrNull == null ? 1 : 2)) {
        throw new IllegalArgumentException(
            "text ("
                + preview(text)
                + ") cannot be cut to "
                + maxLength
                + " tokens: its "
                + (n - n0 - n1)
                + " special tokens leave no room");
      }
      while (keep0 + keep1 > budget) {
        if (keep0 > keep1) {
          keep0--;
        } else {
          keep1--;
        }
      }
    }
    int len = Math.min(n, maxLength);
    int[] outIds = new int[len];
    int[] outTypes = new int[len];
    int at = 0;
    int seen0 = 0;
    int seen1 = 0;
    for (int i = 0; i < n; i++) {
      boolean keep = seq[i] == 0 ? seen0++ < keep0 : seq[i] == 1 ? seen1++ < keep1 : true;
      if (keep) {
        outIds[at] = (int) ids[i];
        outTypes[at] = (int) types[i];
        at++;
      }
    }
    return new Encoded(outIds, outTypes, n);
  }

  /** Token ids of one text, special tokens included, without any length limit. */
  public long[] ids(String text) {
    if (text == null) {
      throw new IllegalArgumentException("text is null");
    }
    return tokenizer.encode(text).getIds();
  }

  /** Token ids of one text without special tokens and without any length limit. */
  public int[] contentIds(String text) {
    if (text == null) {
      throw new IllegalArgumentException("text is null");
    }
    Encoding e = tokenizer.encode(text);
    long[] ids = e.getIds();
    long[] special = e.getSpecialTokenMask();
    int n = 0;
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      if (special[i] == 0) {
        out[n++] = (int) ids[i];
      }
    }
    return Arrays.copyOf(out, n);
  }

  /**
   * One question and context pair, encoded with special tokens, and where each token of the context
   * came from.
   *
   * @param batch the pair as a batch of one
   * @param inContext per token, whether it is a token of the context (second text)
   * @param charStart per context token, its first character in the context; -1 elsewhere
   * @param charEnd per context token, one past its last character in the context; -1 elsewhere
   */
  public record SpannedPair(
      TokenBatch batch, boolean[] inContext, int[] charStart, int[] charEnd) {}

  /**
   * Encodes a (question, context) pair and records the context character span of every context
   * token, as extractive QA needs to map answers to tokens and back.
   *
   * @throws IllegalArgumentException if the pair has more than {@code maxLength} tokens (nothing is
   *     truncated)
   */
  public SpannedPair encodeWithSpans(String question, String context, int maxLength) {
    TokenBatch b = encode(List.of(question), List.of(context), maxLength);
    Encoding e = tokenizer.batchEncode(new PairList<>(List.of(question), List.of(context)))[0];
    long[] seq = e.getSequenceIds();
    long[] special = e.getSpecialTokenMask();
    var spans = e.getCharTokenSpans();
    int n = b.seqLen();
    boolean[] inContext = new boolean[n];
    int[] start = new int[n];
    int[] end = new int[n];
    Arrays.fill(start, -1);
    Arrays.fill(end, -1);
    for (int i = 0; i < seq.length; i++) {
      if (seq[i] == 1 && special[i] == 0 && spans[i] != null) {
        inContext[i] = true;
        start[i] = spans[i].getStart();
        end[i] = spans[i].getEnd();
      }
    }
    return new SpannedPair(b, inContext, start, end);
  }

  /** Tokens (as strings) of one text, special tokens included. */
  public List<String> tokens(String text) {
    if (text == null) {
      throw new IllegalArgumentException("text is null");
    }
    return List.of(tokenizer.encode(text).getTokens());
  }

  /** Text of the ids, special tokens kept. */
  public String decode(int[] ids) {
    return decode(ids, false);
  }

  /**
   * Text of the ids.
   *
   * @throws IllegalArgumentException naming the position of an id outside the vocabulary (the
   *     native decoder would skip it silently)
   */
  public String decode(int[] ids, boolean skipSpecialTokens) {
    long[] l = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= vocabSize) {
        throw new IllegalArgumentException(
            "id "
                + ids[i]
                + " at position "
                + i
                + " is outside the vocabulary [0, "
                + vocabSize
                + ")");
      }
      l[i] = ids[i];
    }
    return tokenizer.decode(l, skipSpecialTokens);
  }

  /**
   * The id of a vocabulary token, e.g. {@code tokenId("[MASK]")}.
   *
   * @throws IllegalArgumentException if the token is not in the vocabulary
   */
  public int tokenId(String token) {
    Integer id = vocab.get(token);
    if (id == null) {
      throw new IllegalArgumentException("'" + token + "' is not in the vocabulary of " + source);
    }
    return id;
  }

  /** One more than the largest id: the rows a model's word embedding needs. */
  public int vocabSize() {
    return vocabSize;
  }

  /** The id padding positions hold. */
  public int padId() {
    return padId;
  }

  /** The {@code tokenizer.json} this was loaded from. */
  public Path source() {
    return source;
  }

  @Override
  public void close() {
    tokenizer.close();
  }

  /** Tokens from the first (0) or second (1) text; special tokens belong to neither. */
  private static int tokensOfSequence(Encoding e, int sequence) {
    int n = 0;
    for (long s : e.getSequenceIds()) {
      n += s == sequence ? 1 : 0;
    }
    return n;
  }

  private static void checkTexts(String what, List<String> texts) {
    for (int i = 0; i < texts.size(); i++) {
      String t = texts.get(i);
      if (t == null) {
        throw new IllegalArgumentException(what + " " + i + " is null");
      }
      if (t.isEmpty()) {
        throw new IllegalArgumentException(what + " " + i + " is empty");
      }
    }
  }

  private static String preview(String text) {
    String oneLine = text.replace('\n', ' ');
    return "\"" + (oneLine.length() <= 40 ? oneLine : oneLine.substring(0, 40) + "...") + "\"";
  }
}
