package org.ppruning.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The transformer families ppruning builds. */
public enum Architecture {
  /** Post-LayerNorm encoder with token types, pooler and optional masked-LM head (BERT, MiniLM). */
  BERT,
  /** Pre-LayerNorm causal decoder with a final LayerNorm and an LM head tied to the embeddings. */
  GPT2;

  @JsonValue
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static Architecture of(String id) {
    for (Architecture a : values()) {
      if (a.id().equals(id)) {
        return a;
      }
    }
    throw new IllegalArgumentException("unknown architecture '" + id + "' (expected bert or gpt2)");
  }
}
