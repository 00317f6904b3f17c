package org.ppruning.eval;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.data.Sample;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.Activation;
import org.ppruning.model.Architecture;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TinyModels;
import org.ppruning.model.Weights;
import org.ppruning.tokenize.TextTokenizer;

class MaskedLmTest {
  @TempDir Path tmp;

  TextTokenizer tokenizer() throws Exception {
    return TinyModels.tokenizer(tmp);
  }

  static List<String> sentences(int n, long seed) {
    return TinyModels.samples(n, seed, 2, 20).stream().map(Sample::text).toList();
  }

  @Test
  void masksBertsShareOfOrdinaryTokensDeterministically() throws Exception {
    try (TextTokenizer tok = tokenizer()) {
      List<String> texts = new ArrayList<>(sentences(40, 1));
      texts.add("w1 qqq w2"); // qqq is [UNK]: never a target
      MaskedLm.Masked m = MaskedLm.mask(tok, texts, 0.15, 7, 64);
      int total = 0;
      for (int s = 0; s < texts.size(); s++) {
        int[] orig = tok.encode(List.of(texts.get(s)), null, 64).inputIds();
        int maskable = 0;
        for (int id : orig) {
          maskable += id >= 5 ? 1 : 0;
        }
        int[] pos = m.positions().get(s);
        assertEquals(Math.max(1, Math.round(0.15 * maskable)), pos.length, "sentence " + s);
        int[] in = m.inputs().get(s);
        for (int i = 0; i < pos.length; i++) {
          assertTrue(orig[pos[i]] >= 5, "special or unknown token masked in sentence " + s);
          assertEquals(4, in[pos[i]]);
          assertEquals(orig[pos[i]], m.targets().get(s)[i]);
          in[pos[i]] = orig[pos[i]];
        }
        assertArrayEquals(orig, in, "only masked positions change");
        total += pos.length;
      }
      assertEquals(total, m.maskedTokens());
      MaskedLm.Masked again = MaskedLm.mask(tok, texts, 0.15, 7, 64);
      MaskedLm.Masked other = MaskedLm.mask(tok, texts, 0.15, 8, 64);
      boolean differs = false;
      for (int s = 0; s < texts.size(); s++) {
        assertArrayEquals(m.positions().get(s), again.positions().get(s));
        differs |= !Arrays.equals(m.positions().get(s), other.positions().get(s));
      }
      assertTrue(differs, "another seed masks other positions");
      assertThrows(IllegalArgumentException.class, () -> MaskedLm.mask(tok, texts, 0, 7, 64));
      assertThrows(
          IllegalArgumentException.class,
          () -> MaskedLm.mask(tok, List.of("w1 ".repeat(70)), 0.15, 7, 64));
    }
  }

  /** Batched, length-sorted, padded accuracy equals one unpadded sentence at a time. */
  @Test
  void accuracyMatchesSentenceBySentenceArgmax() throws Exception {
    ModelSpec spec = TinyModels.bertSpec(2, 16, 4, 32);
    Weights w = TinyModels.randomWeights(spec, 3);
    try (TextTokenizer tok = tokenizer();
        TransformerModel m = TransformerModel.build(spec, w, null)) {
      List<String> texts = sentences(30, 2);
      MaskedLm.Masked set = MaskedLm.mask(tok, texts, 0.3, 1, 24);
      long correct = 0;
      for (int s = 0; s < texts.size(); s++) {
        int[] in = set.inputs().get(s);
        int[] ones = new int[in.length];
        Arrays.fill(ones, 1);
        float[] l =
            m.serve(new TokenBatch(1, in.length, in, ones, new int[in.length]))
                .get("mlm_logits")
                .data();
        for (int i = 0; i < set.positions().get(s).length; i++) {
          int base = set.positions().get(s)[i] * 50;
          int arg = 0;
          for (int v = 1; v < 50; v++) {
            arg = l[base + v] > l[base + arg] ? v : arg;
          }
          correct += arg == set.targets().get(s)[i] ? 1 : 0;
        }
      }
      MaskedLm.Accuracy a = MaskedLm.accuracy(m, set, 7, tok.padId());
      assertEquals(set.maskedTokens(), a.total());
      assertEquals(correct, a.correct());
      assertTrue(
          a.correct() > 0 && a.correct() < a.total(),
          "a random model is neither" + " always right nor always wrong: " + a);
    }
  }

  @Test
  void modelWithoutMlmHeadIsRefused() throws Exception {
    ModelSpec spec =
        ModelSpec.unpruned(
            Architecture.BERT,
            50,
            16,
            1,
            4,
            32,
            24,
            2,
            Activation.GELU_TANH,
            1e-12,
            true,
            false,
            "no-mlm",
            null);
    try (TextTokenizer tok = tokenizer();
        TransformerModel m =
            TransformerModel.build(spec, TinyModels.randomWeights(spec, 1), null)) {
      MaskedLm.Masked set = MaskedLm.mask(tok, List.of("w1 w2 w3"), 0.15, 1, 24);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> MaskedLm.accuracy(m, set, 8, tok.padId()));
      assertTrue(e.getMessage().contains("mlm_logits"), e.getMessage());
    }
  }
}
