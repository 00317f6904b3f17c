package org.ppruning.model;

/**
 * How the model's text is tokenized; the tokenizer itself travels as {@code assets/tokenizer.json}.
 *
 * @param type {@code wordpiece} (BERT family) or {@code bpe} (GPT-2 byte-level BPE)
 * @param lowercase whether text is lower-cased and accents stripped before WordPiece
 */
public record TokenizerSpec(String type, boolean lowercase) {
  public TokenizerSpec {
    if (!"wordpiece".equals(type) && !"bpe".equals(type)) {
      throw new IllegalArgumentException(
          "tokenizer type must be wordpiece or bpe, got '" + type + "'");
    }
  }
}
