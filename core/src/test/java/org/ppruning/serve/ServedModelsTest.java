package org.ppruning.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TinyModels;
import org.ppruning.model.Weights;
import org.ppruning.serve.ServingException.Code;
import org.ppruning.serve.TensorInputs.IntTensor;
import org.ppruning.stream.ModelRepository;

class ServedModelsTest {
  @TempDir Path tmp;
  ModelRepository repo;
  Path tokenizer;
  List<SwapResult> events;
  ServedModels served;

  @BeforeEach
  void setUp() throws Exception {
    repo = new ModelRepository(tmp.resolve("repo"));
    tokenizer = TinyServables.tokenizer(tmp.resolve("tok"));
    events = new ArrayList<>();
    served = new ServedModels(SwapPolicy.always(), 0, events::add);
  }

  @AfterEach
  void tearDown() {
    served.close();
  }

  private static float[] logits(ServedVersion v, TokenBatch b) {
    return v.model().serve(b, List.of("logits")).get("logits").data();
  }

  @Test
  void swapKeepsLeasedVersionOpenUntilItsLastRequestEnds() throws Exception {
    Path v1 = TinyServables.write(repo, "sentiment", 1, tokenizer, 1, 0.8);
    Path v2 = TinyServables.write(repo, "sentiment", 2, tokenizer, 2, 0.8);
    TokenBatch b = TinyModels.batch(50, 7, 5, 3);

    SwapResult first = served.offer("sentiment", 1, v1, null);
    assertTrue(first.accepted(), first.reason());
    assertEquals("first version served", first.reason());
    Lease old = served.acquire("sentiment", null, null);
    float[] before = logits(old.version(), b);

    SwapResult second = served.offer("sentiment", 2, v2, null);
    assertTrue(second.accepted(), second.reason());
    assertEquals(1, second.previous());
    assertEquals(Map.of("sentiment", 2L), served.versions());
    // The request that leased version 1 still runs on it, with the same answers.
    assertFalse(old.version().closed());
    assertArrayEquals(before, logits(old.version(), b));
    ServedVersion retired = old.version();
    old.close();
    assertTrue(retired.closed(), "version 1 closes when its last lease ends");

    try (Lease l = served.acquire("sentiment", 2L, null);
        TransformerModel direct = TransformerModel.load(v2)) {
      assertArrayEquals(
          direct.serve(b, List.of("logits")).get("logits").data(), logits(l.version(), b));
    }
    assertEquals(List.of(true, true), events.stream().map(SwapResult::accepted).toList());
  }

  @Test
  void corruptVersionIsRefusedAndTheOldOneKeepsServing() throws Exception {
    served.offer(
        "sentiment", 1, TinyServables.write(repo, "sentiment", 1, tokenizer, 1, 0.8), null);
    Path v2 = TinyServables.write(repo, "sentiment", 2, tokenizer, 2, 0.8);
    TinyServables.truncateVariables(v2);

    SwapResult r = served.offer("sentiment", 2, v2, null);

    assertFalse(r.accepted());
    assertTrue(r.reason().startsWith("failed to load: "), r.reason());
    assertEquals(1, r.previous());
    assertEquals(Map.of("sentiment", 1L), served.versions());
    try (Lease l = served.acquire("sentiment", null, null)) {
      assertEquals(1, l.version().version());
      assertEquals(4, logits(l.version(), TinyModels.batch(50, 3, 4, 2)).length);
    }
    assertEquals(Map.of("sentiment", Map.of(2L, r.reason())), served.refusals());
    assertEquals(
        List.of(
            new VersionStatus(2, VersionStatus.State.END, r.reason()),
            new VersionStatus(1, VersionStatus.State.AVAILABLE, null)),
        served.status("sentiment"));
    assertEquals(Map.of("latest", 1L, "stable", 1L), served.labels("sentiment"));
    assertEquals(
        List.of(new VersionStatus(1, VersionStatus.State.AVAILABLE, null)),
        served.status("sentiment", null, "stable"));
    assertEquals(VersionStatus.State.END, served.status("sentiment", 2L, null).get(0).state());
    for (Runnable bad :
        List.<Runnable>of(
            () -> served.status("nope"),
            () -> served.status("sentiment", 3L, null),
            () -> served.status("sentiment", null, "canary"))) {
      ServingException e = assertThrows(ServingException.class, bad::run);
      assertEquals(ServingException.Code.NOT_FOUND, e.code());
    }
  }

  @Test
  void versionWhoseWarmUpGivesNaNIsRefused() throws Exception {
    served.offer(
        "sentiment", 1, TinyServables.write(repo, "sentiment", 1, tokenizer, 1, 0.8), null);
    ModelSpec spec = TinyServables.spec(tokenizer, 0.9);
    Weights w = TinyModels.randomWeights(spec, 5);
    w.get("classifier/bias").data()[1] = Float.NaN;
    Path v2;
    try (TransformerModel m = TransformerModel.build(spec, w, tokenizer)) {
      v2 = repo.write("sentiment", 2, dir -> m.export(dir, false));
    }

    SwapResult r = served.offer("sentiment", 2, v2, null);

    assertFalse(r.accepted());
    assertEquals("failed its warm-up request: warm-up output 'logits' holds NaN", r.reason());
    assertEquals(Map.of("sentiment", 1L), served.versions());
  }

  @Test
  void policyRefusesAWorseVersionAndSaysWhy() throws Exception {
    ServedModels strict = new ServedModels(new SwapPolicy("accuracy", 0.01), 0, events::add);
    try (strict) {
      strict.offer(
          "sentiment", 1, TinyServables.write(repo, "sentiment", 1, tokenizer, 1, 0.85), null);
      SwapResult worse =
          strict.offer(
              "sentiment", 2, TinyServables.write(repo, "sentiment", 2, tokenizer, 2, 0.83), null);
      SwapResult withinTolerance =
          strict.offer(
              "sentiment", 3, TinyServables.write(repo, "sentiment", 3, tokenizer, 3, 0.845), null);
      // Metrics given with the offer (from a model event) win over the recorded ones.
      SwapResult offeredMetrics =
          strict.offer(
              "sentiment",
              4,
              TinyServables.write(repo, "sentiment", 4, tokenizer, 4, 0.99),
              Map.of("accuracy", 0.5));

      assertFalse(worse.accepted());
      assertEquals(
          "its accuracy 0.83 is worse than the served version 1's 0.85 (tolerance 0.01)",
          worse.reason());
      assertTrue(withinTolerance.accepted(), withinTolerance.reason());
      assertFalse(offeredMetrics.accepted());
      assertEquals(Map.of("sentiment", 3L), strict.versions());
    }
  }

  @Test
  void scanServesTheNewestLoadableVersionAndDoesNotRetryRefusedOnes() throws Exception {
    TinyServables.write(repo, "sentiment", 1, tokenizer, 1, 0.8);
    TinyServables.write(repo, "sentiment", 2, tokenizer, 2, 0.8);
    TinyServables.truncateVariables(TinyServables.write(repo, "sentiment", 3, tokenizer, 3, 0.8));
    TinyServables.write(repo, "grammar", 1, tokenizer, 4, 0.7);

    List<SwapResult> first = served.scan(repo);

    assertEquals(
        List.of("grammar 1 true", "sentiment 3 false", "sentiment 2 true"),
        first.stream().map(r -> r.task() + " " + r.version() + " " + r.accepted()).toList());
    assertEquals(Map.of("grammar", 1L, "sentiment", 2L), served.versions());
    assertEquals(List.of(), served.scan(repo), "nothing new, version 3 not retried");

    TinyServables.write(repo, "sentiment", 4, tokenizer, 5, 0.8);
    List<SwapResult> later = served.scan(repo);
    assertEquals(1, later.size());
    assertTrue(later.get(0).accepted());
    assertEquals(Map.of("grammar", 1L, "sentiment", 4L), served.versions());
  }

  @Test
  void olderVersionIsNotSwappedIn() throws Exception {
    Path v1 = TinyServables.write(repo, "sentiment", 1, tokenizer, 1, 0.8);
    served.offer(
        "sentiment", 2, TinyServables.write(repo, "sentiment", 2, tokenizer, 2, 0.8), null);
    SwapResult r = served.offer("sentiment", 1, v1, null);
    assertFalse(r.accepted());
    assertEquals("version 1 is not newer than the served version 2", r.reason());
  }

  @Test
  void unknownModelVersionOrLabelIsNotFound() throws Exception {
    served.offer(
        "sentiment", 3, TinyServables.write(repo, "sentiment", 3, tokenizer, 1, 0.8), null);
    ServingException noModel =
        assertThrows(ServingException.class, () -> served.acquire("grammar", null, null));
    assertEquals(Code.NOT_FOUND, noModel.code());
    assertEquals("model 'grammar' is not served; served models: [sentiment]", noModel.getMessage());
    ServingException noVersion =
        assertThrows(ServingException.class, () -> served.acquire("sentiment", 2L, null));
    assertEquals(Code.NOT_FOUND, noVersion.code());
    assertEquals(
        "version 2 of model 'sentiment' is not served; the served version is 3",
        noVersion.getMessage());
    ServingException noLabel =
        assertThrows(ServingException.class, () -> served.acquire("sentiment", null, "canary"));
    assertEquals(
        "model 'sentiment' has no version label 'canary'; labels: [latest, stable]",
        noLabel.getMessage());
    try (Lease l = served.acquire("sentiment", null, "stable")) {
      assertEquals(3, l.version().version());
    }
  }

  @Test
  void tensorInputsAreCheckedWithPreciseMessages() throws Exception {
    served.offer(
        "sentiment", 1, TinyServables.write(repo, "sentiment", 1, tokenizer, 1, 0.8), null);
    try (Lease l = served.acquire("sentiment", null, null)) {
      ServedVersion v = l.version();
      IntTensor ids = new IntTensor(new long[] {1, 3}, new int[] {2, 7, 3});
      IntTensor ones = new IntTensor(new long[] {1, 3}, new int[] {1, 1, 1});
      IntTensor zeros = new IntTensor(new long[] {1, 3}, new int[] {0, 0, 0});
      String takes =
          "; signature serving_default of model 'sentiment' version 1 takes"
              + " [input_ids, attention_mask, token_type_ids]";

      TokenBatch ok =
          TensorInputs.toBatch(
              v, Map.of("input_ids", ids, "attention_mask", ones, "token_type_ids", zeros), 24);
      assertEquals(new TokenBatch(1, 3, ids.values(), ones.values(), zeros.values()), ok);

      assertInvalid(
          "unknown input 'input_idz'" + takes,
          () ->
              TensorInputs.toBatch(
                  v,
                  Map.of("input_idz", ids, "attention_mask", ones, "token_type_ids", zeros),
                  24));
      assertInvalid(
          "missing input [token_type_ids]" + takes,
          () -> TensorInputs.toBatch(v, Map.of("input_ids", ids, "attention_mask", ones), 24));
      assertInvalid(
          "input 'attention_mask' has shape [3]; expected [batch, sequence] (rank 2)",
          () ->
              TensorInputs.toBatch(
                  v,
                  Map.of(
                      "input_ids",
                      ids,
                      "attention_mask",
                      new IntTensor(new long[] {3}, ones.values()),
                      "token_type_ids",
                      zeros),
                  24));
      assertInvalid(
          "input 'token_type_ids' has shape [3, 1] but 'input_ids' has [1, 3];"
              + " all inputs must have one shape",
          () ->
              TensorInputs.toBatch(
                  v,
                  Map.of(
                      "input_ids",
                      ids,
                      "attention_mask",
                      ones,
                      "token_type_ids",
                      new IntTensor(new long[] {3, 1}, zeros.values())),
                  24));
      assertInvalid(
          "sequence length 3 of input 'input_ids' exceeds the limit of 2 tokens of"
              + " model 'sentiment' version 1",
          () ->
              TensorInputs.toBatch(
                  v, Map.of("input_ids", ids, "attention_mask", ones, "token_type_ids", zeros), 2));
      assertInvalid(
          "input_ids[0, 1] = 50 is outside the vocabulary [0, 50)",
          () ->
              TensorInputs.toBatch(
                  v,
                  Map.of(
                      "input_ids",
                      new IntTensor(new long[] {1, 3}, new int[] {2, 50, 3}),
                      "attention_mask",
                      ones,
                      "token_type_ids",
                      zeros),
                  24));
      assertInvalid(
          "attention_mask[0, 2] = 2 is outside the mask values {0, 1} [0, 2)",
          () ->
              TensorInputs.toBatch(
                  v,
                  Map.of(
                      "input_ids",
                      ids,
                      "attention_mask",
                      new IntTensor(new long[] {1, 3}, new int[] {1, 1, 2}),
                      "token_type_ids",
                      zeros),
                  24));
      assertInvalid(
          "input 'input_ids' has the empty shape [0, 3]; expected at least one"
              + " sequence of one token",
          () -> {
            IntTensor e = new IntTensor(new long[] {0, 3}, new int[0]);
            return TensorInputs.toBatch(
                v, Map.of("input_ids", e, "attention_mask", e, "token_type_ids", e), 24);
          });
      assertInvalid(
          "output filter names 'pooled', which serving_default of model 'sentiment'"
              + " version 1 does not have; its outputs: [logits, mlm_logits, pooled_output, probabilities,"
              + " sequence_output]",
          () -> TensorInputs.outputs(v, List.of("logits", "pooled")));
    }
  }

  @Test
  void classifyMatchesTheModelAndRefusesBadTexts() throws Exception {
    Path v1 = TinyServables.write(repo, "sentiment", 1, tokenizer, 1, 0.8);
    served.offer("sentiment", 1, v1, null);
    try (Lease l = served.acquire("sentiment", null, null);
        TransformerModel direct = TransformerModel.load(v1)) {
      List<String> texts = List.of("the movie was good", "i hated this boring film .");
      List<TextInference.Classification> c = TextInference.classify(l.version(), texts, null);
      TokenBatch b = l.version().tokenizer().encode(texts, null, 24);
      Map<String, FloatTensor> out = direct.serve(b);
      float[] probs = out.get("probabilities").data();
      for (int i = 0; i < 2; i++) {
        assertArrayEquals(new float[] {probs[2 * i], probs[2 * i + 1]}, c.get(i).scores());
        assertEquals(
            TinyServables.LABELS.get(probs[2 * i + 1] > probs[2 * i] ? 1 : 0), c.get(i).label());
      }
      List<TextInference.Classification> pair =
          TextInference.classify(l.version(), List.of("the plot"), List.of("the music"));
      TokenBatch pb = l.version().tokenizer().encode(List.of("the plot"), List.of("the music"), 24);
      assertArrayEquals(direct.serve(pb).get("logits").data(), pair.get(0).logits());

      assertInvalid(
          "text 1 is empty (model 'sentiment' version 1)",
          () -> TextInference.classify(l.version(), List.of("good", ""), null));
      String longText = String.join(" ", java.util.Collections.nCopies(30, "good"));
      assertInvalid(
          "text 0 (\""
              + longText.substring(0, 40)
              + "...\") has 32 tokens, more than"
              + " the limit of 24 (texts are never truncated) (model 'sentiment' version 1)",
          () -> TextInference.classify(l.version(), List.of(longText), null));
      assertInvalid(
          "no inputs: send at least one text",
          () -> TextInference.classify(l.version(), List.of(), null));
      ServingException gpt =
          assertThrows(
              ServingException.class, () -> TextInference.score(l.version(), List.of("good")));
      assertEquals(Code.UNIMPLEMENTED, gpt.code());
    }
  }

  private static void assertInvalid(
      String message, org.junit.jupiter.api.function.ThrowingSupplier<?> call) {
    ServingException e = assertThrows(ServingException.class, call::get);
    assertEquals(Code.INVALID_ARGUMENT, e.code());
    assertEquals(message, e.getMessage());
  }
}
