package org.ppruning.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** FFN activation, named as in Hugging Face {@code config.json} ({@code hidden_act}). */
public enum Activation {
  /** Exact GELU, {@code 0.5 x (1 + erf(x / sqrt 2))} (Hugging Face BERT, MiniLM). */
  GELU("gelu"),
  /** Tanh approximation (Google's original BERT code, GPT-2's {@code gelu_new}). */
  GELU_TANH("gelu_new");

  private final String id;

  Activation(String id) {
    this.id = id;
  }

  @JsonValue
  public String id() {
    return id;
  }

  @JsonCreator
  public static Activation of(String id) {
    return switch (id) {
      case "gelu" -> GELU;
      case "gelu_new", "gelu_tanh", "gelu_pytorch_tanh" -> GELU_TANH;
      default ->
          throw new IllegalArgumentException(
              "unsupported activation '" + id + "' (expected gelu or gelu_new)");
    };
  }
}
