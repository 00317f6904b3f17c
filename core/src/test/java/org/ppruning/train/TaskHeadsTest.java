package org.ppruning.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.BertLayout;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.Gpt2Layout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TaskHead;
import org.ppruning.model.TinyModels;
import org.ppruning.model.UnitRemoval;
import org.ppruning.model.Weights;

/**
 * Every head kind on tiny models of both architectures: analytic gradients against finite
 * differences, a tiny model that fits tiny data completely, and the outputs the exported graph
 * serves.
 */
class TaskHeadsTest {
  static final AdamW ADAM = new AdamW(0.9f, 0.999f, 1e-6f, 0.01f);

  static ModelSpec bert(String head) {
    return TinyModels.bertSpec(2, 16, 4, 32).withHead(TaskHead.of(head, "tiny"));
  }

  static ModelSpec gpt2(String head) {
    return TinyModels.gpt2Spec(2, 16, 4, 32).withHead(TaskHead.of(head, "tiny"));
  }

  /** Weights with the head initialised as fine-tuning does, around random tiny weights. */
  static Weights weights(ModelSpec spec, long seed) {
    return TinyModels.randomWeights(spec, seed);
  }

  /** Causal-LM targets: every next token of every row. */
  static Targets nextTokens(TokenBatch b) {
    int k = 0;
    int[] pos = new int[b.size() * b.seqLen()];
    int[] tok = new int[pos.length];
    for (int r = 0; r < b.size(); r++) {
      for (int t = 0; t + 1 < b.seqLen(); t++) {
        int p = r * b.seqLen() + t;
        if (b.attentionMask()[p + 1] == 1) {
          pos[k] = p;
          tok[k++] = b.inputIds()[p + 1];
        }
      }
    }
    return Targets.tokens(java.util.Arrays.copyOf(pos, k), java.util.Arrays.copyOf(tok, k));
  }

  /**
   * Worst relative error of analytic gradients against central differences over 4 random elements
   * of each named weight. In float32 the difference quotient carries rounding error of about
   * eps(loss) / h, so gradients below 0.1 are compared against 0.1 (as for classification).
   */
  static double gradientCheck(ModelSpec spec, Weights w, TokenBatch b, Targets t, String... names) {
    return gradientCheck(spec, w, b, t, null, names);
  }

  /** {@link #gradientCheck(ModelSpec, Weights, TokenBatch, Targets, String...)} with a teacher. */
  static double gradientCheck(
      ModelSpec spec, Weights w, TokenBatch b, Targets t, Distillation distill, String... names) {
    Random r = new Random(1);
    double worst = 0;
    try (TrainingGraph g = new TrainingGraph(spec, w, 0f, 0f, ADAM, distill)) {
      Map<String, FloatTensor> grads = g.gradients(b, t, 0);
      for (String n : names) {
        FloatTensor gt = grads.get(n);
        assertNotNull(gt, "no gradient for " + n + "; have " + grads.keySet());
        boolean embedding = n.equals(BertLayout.WORD_EMBEDDINGS) || n.equals(Gpt2Layout.WTE);
        for (int k = 0; k < 4; k++) {
          int idx =
              embedding
                  ? b.inputIds()[k] * spec.hiddenSize() + r.nextInt(spec.hiddenSize())
                  : r.nextInt(gt.size());
          float h = 1e-2f;
          g.load(TrainingGraphTest.with(w, n, idx, h));
          double up = g.loss(b, t, 0);
          g.load(TrainingGraphTest.with(w, n, idx, -h));
          double down = g.loss(b, t, 0);
          double numeric = (up - down) / (2 * h);
          double analytic = gt.data()[idx];
          double rel = Math.abs(numeric - analytic) / Math.max(Math.abs(analytic), 0.1);
          worst = Math.max(worst, rel);
          assertTrue(
              rel <= 1e-3,
              spec.head().type()
                  + " "
                  + n
                  + "["
                  + idx
                  + "]: analytic "
                  + analytic
                  + " numeric "
                  + numeric);
        }
      }
    }
    System.out.printf(
        "gradient check %s/%s: worst relative error %.2e%n",
        spec.architecture().id(), spec.head().type(), worst);
    return worst;
  }

  @Test
  void regressionGradients() {
    ModelSpec spec = bert(TaskHead.REGRESSION);
    TokenBatch b = TinyModels.batch(spec.vocabSize(), 4, 6, 4, 5);
    gradientCheck(
        spec,
        weights(spec, 3),
        b,
        Targets.scores(new float[] {0.5f, 4f, 2.5f}),
        BertLayout.CLASSIFIER + "/kernel",
        BertLayout.CLASSIFIER + "/bias",
        BertLayout.POOLER + "/kernel",
        BertLayout.query(0) + "/kernel",
        BertLayout.intermediate(1) + "/kernel",
        BertLayout.WORD_EMBEDDINGS);
  }

  @Test
  void extractiveQaGradientsBothArchitectures() {
    ModelSpec spec = bert(TaskHead.EXTRACTIVE_QA);
    TokenBatch b = TinyModels.batch(spec.vocabSize(), 4, 6, 4, 5);
    Targets t = Targets.spans(new int[] {1, 0, 2}, new int[] {3, 2, 4});
    gradientCheck(
        spec,
        weights(spec, 3),
        b,
        t,
        BertLayout.QA_OUTPUTS + "/kernel",
        BertLayout.QA_OUTPUTS + "/bias",
        BertLayout.key(1) + "/kernel",
        BertLayout.outputLn(0) + "/gamma",
        BertLayout.WORD_EMBEDDINGS);
    ModelSpec g = gpt2(TaskHead.EXTRACTIVE_QA);
    gradientCheck(
        g,
        weights(g, 3),
        b,
        t,
        Gpt2Layout.QA_OUTPUTS + "/w",
        Gpt2Layout.cAttn(0) + "/w",
        Gpt2Layout.LN_F + "/g",
        Gpt2Layout.WTE);
  }

  @Test
  void causalLmGradients() {
    ModelSpec spec = gpt2(TaskHead.CAUSAL_LM);
    TokenBatch b = TinyModels.batch(spec.vocabSize(), 4, 6, 4, 5);
    gradientCheck(
        spec,
        weights(spec, 3),
        b,
        nextTokens(b),
        Gpt2Layout.WTE,
        Gpt2Layout.WPE,
        Gpt2Layout.cAttn(1) + "/w",
        Gpt2Layout.fc(0) + "/w",
        Gpt2Layout.mlpProj(1) + "/b",
        Gpt2Layout.LN_F + "/g");
  }

  @Test
  void maskedLmGradients() {
    ModelSpec spec = bert(TaskHead.MASKED_LM);
    TokenBatch b = TinyModels.batch(spec.vocabSize(), 4, 6, 4, 5);
    Targets t = Targets.tokens(new int[] {1, 3, 6, 9, 13}, new int[] {7, 8, 9, 10, 11});
    gradientCheck(
        spec,
        weights(spec, 3),
        b,
        t,
        BertLayout.WORD_EMBEDDINGS,
        BertLayout.MLM_TRANSFORM + "/kernel",
        BertLayout.MLM_TRANSFORM_LN + "/gamma",
        BertLayout.MLM_OUTPUT_BIAS,
        BertLayout.value(0) + "/kernel");
  }

  /**
   * Mean pooling on a model without a pooler: gradients match finite differences, and the served
   * logits are the classifier applied to the mean of the real tokens' last layer (padding left
   * out), with no pooler in the spec or the graph.
   */
  @Test
  void meanPoolingClassifiesTheMeanOfTheRealTokens() {
    ModelSpec noPooler =
        ModelSpec.unpruned(
            org.ppruning.model.Architecture.BERT,
            50,
            16,
            2,
            4,
            32,
            24,
            2,
            org.ppruning.model.Activation.GELU_TANH,
            1e-12,
            false,
            false,
            "tiny-no-pooler",
            null);
    ModelSpec spec =
        noPooler.withHead(
            new TaskHead(TaskHead.CLASSIFICATION, List.of("a", "b", "c"), "tiny", TaskHead.MEAN));
    assertFalse(spec.pooler());
    Weights w = weights(spec, 3);
    assertFalse(w.names().contains(BertLayout.POOLER + "/kernel"));
    TokenBatch b = TinyModels.batch(spec.vocabSize(), 4, 6, 4, 5); // rows 2 and 3 padded
    gradientCheck(
        spec,
        w,
        b,
        Targets.classes(new int[] {0, 2, 1}),
        BertLayout.CLASSIFIER + "/kernel",
        BertLayout.CLASSIFIER + "/bias",
        BertLayout.query(0) + "/kernel",
        BertLayout.outputLn(1) + "/gamma",
        BertLayout.WORD_EMBEDDINGS);
    try (TransformerModel m = TransformerModel.build(spec, w, null)) {
      assertEquals(
          java.util.Set.of("sequence_output", "logits", "probabilities"), m.servingOutputs());
      var out = m.serve(b, List.of("sequence_output", "logits"));
      float[] seq = out.get("sequence_output").data();
      float[] logits = out.get("logits").data();
      float[] kernel = w.get(BertLayout.CLASSIFIER + "/kernel").data();
      float[] bias = w.get(BertLayout.CLASSIFIER + "/bias").data();
      int d = spec.hiddenSize();
      for (int r = 0; r < b.size(); r++) {
        double[] mean = new double[d];
        int real = 0;
        for (int t = 0; t < b.seqLen(); t++) {
          if (b.attentionMask()[r * b.seqLen() + t] == 1) {
            real++;
            for (int k = 0; k < d; k++) {
              mean[k] += seq[(r * b.seqLen() + t) * d + k];
            }
          }
        }
        for (int c = 0; c < 3; c++) {
          double want = bias[c];
          for (int k = 0; k < d; k++) {
            want += mean[k] / real * kernel[k * 3 + c];
          }
          assertEquals(want, logits[r * 3 + c], 1e-4, "row " + r + " label " + c);
        }
      }
    }
  }

  /** The pooling is part of the stored spec; specs written before it existed read as the pooler. */
  @Test
  void poolingIsStoredWithTheHead() {
    ModelSpec mean =
        bert(TaskHead.REGRESSION)
            .withHead(TaskHead.of(TaskHead.REGRESSION, "stsb").withPooling(TaskHead.MEAN));
    assertEquals(TaskHead.MEAN, ModelSpec.fromJson(mean.toJson(), "test").head().pooling());
    String old =
        bert(TaskHead.REGRESSION).toJson().replaceAll(",\\s*\"pooling\"\\s*:\\s*\"pooler\"", "");
    assertFalse(old.contains("pooling"), old);
    assertEquals(TaskHead.POOLER, ModelSpec.fromJson(old, "test").head().pooling());
    assertFalse(bert(TaskHead.EXTRACTIVE_QA).toJson().contains("pooling"));
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TaskHead.of(TaskHead.REGRESSION, "stsb").withPooling("max"));
    assertEquals("unsupported pooling 'max' (supported: pooler, mean)", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TaskHead.of(TaskHead.EXTRACTIVE_QA, "squad").withPooling(TaskHead.MEAN));
    assertEquals("a extractive_qa head has no pooling, got 'mean'", e.getMessage());
  }

  /** Scores of 8 sequences are fitted to MSE near zero and served as {@code score}. */
  @Test
  void regressionOverfits() {
    ModelSpec spec = bert(TaskHead.REGRESSION);
    TokenBatch b = TinyModels.batch(spec.vocabSize(), 9, 7, 5, 6, 4, 7, 3, 5, 6);
    float[] gold = {0.5f, 4.2f, 1.0f, 3.3f, 2.0f, 4.9f, 0.1f, 2.7f};
    Weights trained;
    try (TrainingGraph g = new TrainingGraph(spec, weights(spec, 5), 0f, 1f, ADAM)) {
      for (int s = 1; s <= 300; s++) {
        g.step(b, Targets.scores(gold), 3e-3f, s, s);
      }
      assertTrue(g.loss(b, Targets.scores(gold), 0) < 1e-2f);
      trained = g.readWeights();
    }
    try (TransformerModel m = TransformerModel.build(spec, trained, null)) {
      assertEquals(
          java.util.Set.of("sequence_output", "pooled_output", "mlm_logits", "logits", "score"),
          m.servingOutputs());
      float[] s = m.serve(b).get("score").data();
      for (int i = 0; i < gold.length; i++) {
        assertEquals(gold[i], s[i], 0.25, "sample " + i);
      }
    }
  }

  /** Start and end tokens of 8 sequences are all predicted exactly (100%). */
  @Test
  void extractiveQaOverfits() {
    ModelSpec spec = bert(TaskHead.EXTRACTIVE_QA);
    TokenBatch b = TinyModels.batch(spec.vocabSize(), 9, 7, 5, 6, 4, 7, 3, 5, 6);
    int[] starts = {1, 2, 0, 3, 1, 2, 2, 2}; // inside the lengths 7, 5, 6, 4, 7, 3, 5, 6
    int[] ends = {3, 2, 4, 3, 5, 2, 4, 4};
    Weights trained;
    try (TrainingGraph g = new TrainingGraph(spec, weights(spec, 5), 0f, 1f, ADAM)) {
      for (int s = 1; s <= 200; s++) {
        g.step(b, Targets.spans(starts, ends), 3e-3f, s, s);
      }
      trained = g.readWeights();
    }
    try (TransformerModel m = TransformerModel.build(spec, trained, null)) {
      var out = m.serve(b, List.of("start_logits", "end_logits"));
      assertArrayEquals(new long[] {8, b.seqLen()}, out.get("start_logits").shape());
      for (int i = 0; i < starts.length; i++) {
        assertEquals(starts[i], argmax(out.get("start_logits").data(), i, b), "start " + i);
        assertEquals(ends[i], argmax(out.get("end_logits").data(), i, b), "end " + i);
      }
    }
  }

  /** A tiny GPT-2 learns 4 sequences by heart: every next token is its top-1 prediction. */
  @Test
  void causalLmOverfits() {
    ModelSpec spec = gpt2(TaskHead.CAUSAL_LM);
    TokenBatch b = TinyModels.batch(spec.vocabSize(), 11, 8, 6, 8, 5);
    Targets t = nextTokens(b);
    Weights trained;
    try (TrainingGraph g = new TrainingGraph(spec, weights(spec, 5), 0f, 1f, ADAM)) {
      for (int s = 1; s <= 200; s++) {
        g.step(b, t, 3e-3f, s, s);
      }
      trained = g.readWeights();
    }
    try (TrainingGraph g = new TrainingGraph(spec, trained, 0f, 0f, null)) {
      float[][] scores = g.tokenScores(b, t);
      for (int i = 0; i < scores[1].length; i++) {
        assertEquals(1f, scores[1][i], "token " + i + " nll " + scores[0][i]);
      }
    }
  }

  /** A tiny BERT recovers every masked token of 4 sequences. */
  @Test
  void maskedLmOverfits() {
    ModelSpec spec = bert(TaskHead.MASKED_LM);
    TokenBatch b = TinyModels.batch(spec.vocabSize(), 11, 8, 6, 8, 5);
    int[] pos = {1, 4, 9, 11, 17, 20, 26, 27};
    int[] tok = new int[pos.length];
    int[] ids = b.inputIds().clone();
    for (int i = 0; i < pos.length; i++) {
      tok[i] = ids[pos[i]];
      ids[pos[i]] = 3; // the tiny vocabulary's stand-in for [MASK]
    }
    TokenBatch masked =
        new TokenBatch(b.size(), b.seqLen(), ids, b.attentionMask(), b.tokenTypeIds());
    Targets t = Targets.tokens(pos, tok);
    Weights trained;
    try (TrainingGraph g = new TrainingGraph(spec, weights(spec, 5), 0f, 1f, ADAM)) {
      for (int s = 1; s <= 200; s++) {
        g.step(masked, t, 3e-3f, s, s);
      }
      trained = g.readWeights();
    }
    try (TrainingGraph g = new TrainingGraph(spec, trained, 0f, 0f, null)) {
      float[][] scores = g.tokenScores(masked, t);
      for (int i = 0; i < pos.length; i++) {
        assertEquals(1f, scores[1][i], "masked token " + i + " nll " + scores[0][i]);
      }
    }
  }

  /** A pruned GPT-2 (a layer without heads, narrower FFN) trains as a language model. */
  @Test
  void prunedGpt2TrainsAsLanguageModel() {
    ModelSpec spec = gpt2(TaskHead.CAUSAL_LM);
    var p =
        UnitRemoval.remove(
            spec,
            weights(spec, 9),
            List.of(new int[] {0, 1, 2, 3}, new int[] {1}),
            List.of(new int[] {0, 1}, new int[] {}));
    TokenBatch b = TinyModels.batch(spec.vocabSize(), 3, 5, 6, 4, 7);
    Targets t = nextTokens(b);
    try (TrainingGraph g = new TrainingGraph(p.spec(), p.weights(), 0f, 1f, ADAM)) {
      float first = g.step(b, t, 5e-3f, 1, 1).loss();
      float last = first;
      for (int s = 2; s <= 60; s++) {
        last = g.step(b, t, 5e-3f, s, s).loss();
      }
      assertTrue(last < 0.5 * first, first + " -> " + last);
      assertEquals(List.of(0, 3), g.spec().headsPerLayer());
    }
  }

  @Test
  void headsNeedTheirArchitectureAndTargets() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TinyModels.gpt2Spec(1, 16, 4, 32).withHead(TaskHead.of(TaskHead.MASKED_LM, "x")));
    assertTrue(
        e.getMessage().contains("masked_lm head needs the bert architecture"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TinyModels.bertSpec(1, 16, 4, 32).withHead(TaskHead.of(TaskHead.CAUSAL_LM, "x")));
    assertTrue(
        e.getMessage().contains("causal_lm head needs the gpt2 architecture"), e.getMessage());
    ModelSpec spec = gpt2(TaskHead.CAUSAL_LM);
    TokenBatch b = TinyModels.batch(spec.vocabSize(), 1, 3, 2);
    try (TrainingGraph g = new TrainingGraph(spec, weights(spec, 1), 0f, 1f, ADAM)) {
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> g.step(b, Targets.classes(new int[] {0, 1}), 1e-3f, 1, 1));
      assertTrue(e.getMessage().contains("trains on token positions"), e.getMessage());
      // Position 5 is padding (the second row has 2 of 3 tokens).
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> g.step(b, Targets.tokens(new int[] {5}, new int[] {1}), 1e-3f, 1, 1));
      assertTrue(e.getMessage().contains("scored position 5 is padding"), e.getMessage());
    }
  }

  private static int argmax(float[] logits, int row, TokenBatch b) {
    int best = 0;
    for (int t = 1; t < b.seqLen(); t++) {
      if (b.attentionMask()[row * b.seqLen() + t] == 1
          && logits[row * b.seqLen() + t] > logits[row * b.seqLen() + best]) {
        best = t;
      }
    }
    return best;
  }
}
