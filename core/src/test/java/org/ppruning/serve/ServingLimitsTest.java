package org.ppruning.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The request limits: each refusal's code and message, overflow-safe shape arithmetic. */
class ServingLimitsTest {
  static final String P = "x.limits.";
  final ServingLimits limits = ServingLimits.defaults(P);

  static ServingException refused(ServingException.Code code, Executable call) {
    ServingException e = assertThrows(ServingException.class, call);
    assertEquals(code, e.code(), e.getMessage());
    return e;
  }

  @Test
  void hugeDeclaredShapesAreRefusedByTheirLimitWithoutOverflow() {
    assertEquals(
        "input 'input_ids' has shape [2147483647]: 2147483647 values exceed the limit of 32768"
            + " tokens per request (x.limits.max-batch-tokens)",
        refused(
                ServingException.Code.RESOURCE_EXHAUSTED,
                () -> limits.checkShape("input_ids", new long[] {Integer.MAX_VALUE}, 512))
            .getMessage());
    assertEquals(
        "input 'input_ids' has shape [100000000, 512]: batch 100000000 exceeds the limit of 64"
            + " sequences per request (x.limits.max-batch)",
        refused(
                ServingException.Code.RESOURCE_EXHAUSTED,
                () -> limits.checkShape("input_ids", new long[] {100_000_000, 512}, 512))
            .getMessage());
    // a product beyond Long.MAX_VALUE saturates instead of wrapping to a small number
    long big = 1L << 40;
    assertEquals(
        "input 'a' has shape [1099511627776, 1099511627776, 1099511627776]: more than "
            + Long.MAX_VALUE
            + " values exceed the limit of 32768 tokens per request (x.limits.max-batch-tokens)",
        refused(
                ServingException.Code.RESOURCE_EXHAUSTED,
                () -> limits.checkShape("a", new long[] {big, big, big}, 512))
            .getMessage());
    refused(
        ServingException.Code.INVALID_ARGUMENT,
        () -> limits.checkShape("a", new long[] {-1, 4}, 512));
    limits.checkShape("a", new long[] {64, 512}, 512); // exactly at the limits
    limits.checkShape("a", new long[] {0, 3}, 512);
  }

  @Test
  void sequenceLengthBatchTokensAndNewTokensNameTheirKeys() {
    assertEquals(
        "input 'input_ids' has shape [1, 5000]: sequence length 5000 exceeds the limit of 512"
            + " tokens per text (the model's positions; x.limits.max-tokens-per-text can set it"
            + " lower)",
        refused(
                ServingException.Code.RESOURCE_EXHAUSTED,
                () -> limits.checkShape("input_ids", new long[] {1, 5000}, 512))
            .getMessage());
    assertEquals(
        "the request's texts: 64 x 513 = 32832 tokens exceed the limit of 32768 tokens per"
            + " request (x.limits.max-batch-tokens)",
        refused(
                ServingException.Code.RESOURCE_EXHAUSTED,
                () -> limits.checkTokens("the request's texts:", 64, 513))
            .getMessage());
    limits.checkTokens("t", 64, 512);
    assertEquals(
        "max_new_tokens 65 exceeds the limit of 64 generated tokens per request"
            + " (x.limits.max-new-tokens)",
        refused(ServingException.Code.RESOURCE_EXHAUSTED, () -> limits.checkNewTokens(65))
            .getMessage());
    ServingLimits lower = new ServingLimits(8, 100, 16, 4, 1000, P);
    assertEquals(
        "x.limits.max-tokens-per-text = 16, at most the model's positions",
        lower.tokensPerTextSource());
    assertEquals(
        "x.limits.max-batch must be >= 1, got 0",
        assertThrows(IllegalArgumentException.class, () -> new ServingLimits(0, 1, 0, 1, 1, P))
            .getMessage());
  }

  @Test
  void aResponseAboveItsLimitIsRefusedBeforeTheModelRuns() {
    // the reported request: 2048 x 128 on MiniLM (d 384), every output of a fine-tuned model
    java.util.Map<String, Long> outputs = new java.util.LinkedHashMap<>();
    outputs.put("logits", 2048L * 2);
    outputs.put("probabilities", 2048L * 2);
    outputs.put("sequence_output", 2048L * 128 * 384);
    assertEquals(
        "the response would hold 100671488 float values {logits=4096, probabilities=4096,"
            + " sequence_output=100663296}, more than the limit of 16777216"
            + " (x.limits.max-response-values); select fewer outputs with output_filter or send"
            + " a smaller batch",
        refused(ServingException.Code.RESOURCE_EXHAUSTED, () -> limits.checkResponse(outputs))
            .getMessage());
    limits.checkResponse(java.util.Map.of("probabilities", 2048L * 2));
  }

  @Test
  void modelNamesArePlainTaskIds() {
    ServingLimits.checkModelName("model", "sentiment");
    ServingLimits.checkModelName("model", "sst-2_v1.0");
    assertEquals(
        "model '../../etc/passwd' has the character '/' at 2; a model name holds only"
            + " [A-Za-z0-9._-]",
        refused(
                ServingException.Code.INVALID_ARGUMENT,
                () -> ServingLimits.checkModelName("model", "../../etc/passwd"))
            .getMessage());
    assertEquals(
        "model 'a..b' contains '..'; a model name is one task id, not a path",
        refused(
                ServingException.Code.INVALID_ARGUMENT,
                () -> ServingLimits.checkModelName("model", "a..b"))
            .getMessage());
    assertEquals(
        "model has 129 characters; a model name has at most 128",
        refused(
                ServingException.Code.INVALID_ARGUMENT,
                () -> ServingLimits.checkModelName("model", "a".repeat(129)))
            .getMessage());
  }
}
