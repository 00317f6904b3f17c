package org.ppruning.serve;

import java.util.Arrays;

/**
 * What one serving request may ask for, checked before anything is allocated for it or a model is
 * called. Every refusal names the limit, the value seen and the configuration key that sets it
 * ({@code keyPrefix} + the limit's name, e.g. {@code max-batch}); sizes are RESOURCE_EXHAUSTED, a
 * malformed request is INVALID_ARGUMENT.
 *
 * @param maxBatch most sequences (texts, rows of a tensor) per request
 * @param maxBatchTokens most tokens per request: batch x (padded) sequence length
 * @param maxTokensPerText most tokens of one sequence; 0: each model's positions (a served version
 *     never accepts more than its positions, see {@link ServedVersion#maxLength()})
 * @param maxNewTokens most tokens one Generate call may produce
 * @param maxResponseValues most float values one Predict response may carry (4 bytes each)
 * @param keyPrefix the configuration prefix the transport reads these from, for the messages
 */
public record ServingLimits(
    int maxBatch,
    int maxBatchTokens,
    int maxTokensPerText,
    int maxNewTokens,
    long maxResponseValues,
    String keyPrefix) {
  public static final String MAX_BATCH = "max-batch";
  public static final String MAX_BATCH_TOKENS = "max-batch-tokens";
  public static final String MAX_TOKENS_PER_TEXT = "max-tokens-per-text";
  public static final String MAX_NEW_TOKENS = "max-new-tokens";
  public static final String MAX_RESPONSE_VALUES = "max-response-values";

  /** Longest model name accepted (TensorFlow Serving names are short; ours are task ids). */
  public static final int MAX_NAME_LENGTH = 128;

  /**
   * @throws IllegalArgumentException for a limit below 1 (below 0 for {@code maxTokensPerText}),
   *     naming its key
   */
  public ServingLimits {
    positive(maxBatch, keyPrefix + MAX_BATCH);
    positive(maxBatchTokens, keyPrefix + MAX_BATCH_TOKENS);
    positive(maxNewTokens, keyPrefix + MAX_NEW_TOKENS);
    if (maxResponseValues < 1) {
      throw new IllegalArgumentException(
          keyPrefix + MAX_RESPONSE_VALUES + " must be >= 1, got " + maxResponseValues);
    }
    if (maxTokensPerText < 0) {
      throw new IllegalArgumentException(
          keyPrefix
              + MAX_TOKENS_PER_TEXT
              + " must be >= 0 (0: the model's positions), got "
              + maxTokensPerText);
    }
  }

  /** No limit beyond each model's positions: for in-process callers that size their own batches. */
  public static final ServingLimits NONE =
      new ServingLimits(
          Integer.MAX_VALUE, Integer.MAX_VALUE, 0, Integer.MAX_VALUE, Long.MAX_VALUE, "");

  /**
   * The defaults: 64 sequences, 64 x 512 tokens, the model's positions, 64 new tokens, 16 Mi
   * response values (64 MiB).
   */
  public static ServingLimits defaults(String keyPrefix) {
    return new ServingLimits(64, 64 * 512, 0, 64, 1L << 24, keyPrefix);
  }

  private static void positive(int v, String key) {
    if (v < 1) {
      throw new IllegalArgumentException(key + " must be >= 1, got " + v);
    }
  }

  /** The configuration key of a limit, e.g. {@code key(MAX_BATCH)}. */
  public String key(String limit) {
    return keyPrefix + limit;
  }

  /**
   * A model name as a client sent it: letters, digits, '.', '_' and '-' only, no "..", at most
   * {@link #MAX_NAME_LENGTH} characters. Whether it is served is the registry's answer (NOT_FOUND).
   *
   * @param field what the transport calls it, e.g. {@code model_spec.name}
   * @throws ServingException INVALID_ARGUMENT naming the field and what is wrong
   */
  public static void checkModelName(String field, String name) {
    if (name.length() > MAX_NAME_LENGTH) {
      throw ServingException.invalid(
          field
              + " has "
              + name.length()
              + " characters; a model name has at most "
              + MAX_NAME_LENGTH);
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == '-';
      if (!ok) {
        throw ServingException.invalid(
            field
                + " '"
                + name
                + "' has the character '"
                + c
                + "' at "
                + i
                + "; a model name holds only [A-Za-z0-9._-]");
      }
    }
    if (name.contains("..")) {
      throw ServingException.invalid(
          field + " '" + name + "' contains '..'; a model name is one task id, not a path");
    }
  }

  /**
   * A declared integer input shape, before anything is allocated for it: no negative dimension; for
   * [batch, sequence] at most {@code maxBatch} rows of at most {@code maxLength} tokens; in all at
   * most {@code maxBatchTokens} values (the product is computed without overflow).
   *
   * @param maxLength the served version's longest sequence ({@link ServedVersion#maxLength()})
   */
  public void checkShape(String input, long[] shape, int maxLength) {
    String s = Arrays.toString(shape);
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw ServingException.invalid(
            "input '" + input + "' has shape " + s + " with a negative dimension");
      }
      // saturating product: anything above the limit is refused below, so its exact value is moot
      n = (d != 0 && n > Long.MAX_VALUE / d) ? Long.MAX_VALUE : n * d;
    }
    if (shape.length == 2) {
      checkBatch("input '" + input + "' has shape " + s + ": batch", shape[0]);
      if (shape[1] > maxLength) {
        throw exhausted(
            "input '"
                + input
                + "' has shape "
                + s
                + ": sequence length "
                + shape[1]
                + " exceeds the limit of "
                + maxLength
                + " tokens per text ("
                + tokensPerTextSource()
                + ")");
      }
    }
    if (n > maxBatchTokens) {
      throw exhausted(
          "input '"
              + input
              + "' has shape "
              + s
              + ": "
              + (n == Long.MAX_VALUE ? "more than " + Long.MAX_VALUE : n)
              + " values exceed the limit of "
              + maxBatchTokens
              + " tokens per request ("
              + key(MAX_BATCH_TOKENS)
              + ")");
    }
  }

  /**
   * @param what the request's words for its batch, e.g. {@code "Classify has 4096 inputs"}'s
   *     subject
   */
  public void checkBatch(String what, long batch) {
    if (batch > maxBatch) {
      throw exhausted(
          what
              + " "
              + batch
              + " exceeds the limit of "
              + maxBatch
              + " sequences per request ("
              + key(MAX_BATCH)
              + ")");
    }
  }

  /** Batch x padded length of a tokenized request. */
  public void checkTokens(String what, int batch, int seqLen) {
    long n = (long) batch * seqLen;
    if (n > maxBatchTokens) {
      throw exhausted(
          what
              + " "
              + batch
              + " x "
              + seqLen
              + " = "
              + n
              + " tokens exceed the limit of "
              + maxBatchTokens
              + " tokens per request ("
              + key(MAX_BATCH_TOKENS)
              + ")");
    }
  }

  /** Generate's {@code max_new_tokens}. */
  public void checkNewTokens(long n) {
    if (n > maxNewTokens) {
      throw exhausted(
          "max_new_tokens "
              + n
              + " exceeds the limit of "
              + maxNewTokens
              + " generated tokens per request ("
              + key(MAX_NEW_TOKENS)
              + ")");
    }
  }

  /**
   * The float values a Predict response would carry, before the model runs.
   *
   * @param outputs each output's values for this request (see {@link TensorInputs#outputValues})
   */
  public void checkResponse(java.util.Map<String, Long> outputs) {
    long n = 0;
    for (long v : outputs.values()) {
      n = (Long.MAX_VALUE - n < v) ? Long.MAX_VALUE : n + v;
    }
    if (n > maxResponseValues) {
      throw exhausted(
          "the response would hold "
              + n
              + " float values "
              + outputs
              + ", more than the limit of "
              + maxResponseValues
              + " ("
              + key(MAX_RESPONSE_VALUES)
              + "); select fewer outputs with output_filter or send a smaller batch");
    }
  }

  /** Where the tokens-per-text limit comes from, for messages. */
  public String tokensPerTextSource() {
    return maxTokensPerText == 0
        ? "the model's positions; " + key(MAX_TOKENS_PER_TEXT) + " can set it lower"
        : key(MAX_TOKENS_PER_TEXT) + " = " + maxTokensPerText + ", at most the model's positions";
  }

  private static ServingException exhausted(String message) {
    return new ServingException(ServingException.Code.RESOURCE_EXHAUSTED, message);
  }
}
