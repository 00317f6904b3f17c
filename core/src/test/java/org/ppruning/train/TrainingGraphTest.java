package org.ppruning.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.BertLayout;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TaskHead;
import org.ppruning.model.TinyModels;
import org.ppruning.model.UnitRemoval;
import org.ppruning.model.Weights;

class TrainingGraphTest {
  static final AdamW ADAM = new AdamW(0.9f, 0.999f, 1e-6f, 0.01f);

  static ModelSpec classifier(int layers) {
    return TinyModels.bertSpec(layers, 16, 4, 32)
        .withHead(new TaskHead(TaskHead.CLASSIFICATION, List.of("neg", "pos"), "tiny"));
  }

  static Weights init(ModelSpec spec, long seed) {
    Weights w = TinyModels.randomWeights(spec, seed);
    return w;
  }

  static Weights with(Weights w, String name, int index, float delta) {
    FloatTensor t = w.get(name);
    float[] d = t.data().clone();
    d[index] += delta;
    return w.copy().replace(name, new FloatTensor(t.shape(), d));
  }

  /**
   * Analytic gradients against central differences. In float32 the difference quotient carries
   * rounding error of about eps(loss) / h, so gradients below 0.1 are compared against 0.1; bound:
   * relative error 1e-3 at h = 1e-2 (observed worst: 1.8e-4).
   */
  @Test
  void gradientsMatchFiniteDifferences() {
    ModelSpec spec = classifier(2);
    Weights w = init(spec, 3);
    TokenBatch b = TinyModels.batch(spec.vocabSize(), 4, 6, 4, 5);
    int[] labels = {0, 1, 1};
    String[] names = {
      BertLayout.CLASSIFIER + "/kernel",
      BertLayout.query(0) + "/kernel",
      BertLayout.value(1) + "/bias",
      BertLayout.intermediate(0) + "/kernel",
      BertLayout.outputLn(0) + "/gamma",
      BertLayout.POOLER + "/kernel",
      BertLayout.WORD_EMBEDDINGS
    };
    Random r = new Random(1);
    double worst = 0;
    try (TrainingGraph g = new TrainingGraph(spec, w, 0f, 0f, ADAM)) {
      Map<String, FloatTensor> grads = g.gradients(b, labels, 0);
      for (String n : names) {
        FloatTensor gt = grads.get(n);
        for (int k = 0; k < 4; k++) {
          int idx =
              n.equals(BertLayout.WORD_EMBEDDINGS)
                  ? b.inputIds()[k] * 16 + r.nextInt(16) // a row that the batch uses
                  : r.nextInt(gt.size());
          float h = 1e-2f;
          g.load(with(w, n, idx, h));
          double up = g.loss(b, labels, 0);
          g.load(with(w, n, idx, -h));
          double down = g.loss(b, labels, 0);
          double numeric = (up - down) / (2 * h);
          double analytic = gt.data()[idx];
          double err = Math.abs(numeric - analytic);
          double rel = err / Math.max(Math.abs(analytic), 0.1);
          worst = Math.max(worst, rel);
          assertTrue(
              rel <= 1e-3, n + "[" + idx + "]: analytic " + analytic + " numeric " + numeric);
        }
      }
    }
    System.out.println("gradient check: worst relative error " + worst);
  }

  /** The loop really learns: a tiny model fits 8 labelled sequences perfectly. */
  @Test
  void tinyModelOverfitsTinyData() {
    ModelSpec spec = classifier(2);
    TokenBatch b = TinyModels.batch(spec.vocabSize(), 9, 7, 5, 6, 4, 7, 3, 5, 6);
    int[] labels = {0, 1, 1, 0, 1, 0, 0, 1};
    Weights trained;
    float first;
    float last = 0;
    try (TrainingGraph g = new TrainingGraph(spec, init(spec, 5), 0.1f, 1f, ADAM)) {
      first = g.step(b, labels, 3e-3f, 1, 1).loss();
      for (int s = 2; s <= 120; s++) {
        last = g.step(b, labels, 3e-3f, s, s).loss();
      }
      trained = g.readWeights();
    }
    assertTrue(last < 0.1 * first, "loss " + first + " -> " + last);
    try (TransformerModel m = TransformerModel.build(spec, trained, null)) {
      FloatTensor p = m.serve(b).get("probabilities");
      for (int i = 0; i < labels.length; i++) {
        int argmax = p.data()[2 * i + 1] > p.data()[2 * i] ? 1 : 0;
        assertEquals(labels[i], argmax, "sample " + i);
      }
    }
  }

  /** Same seed and data: the same loss curve, bit for bit (dropout and AdamW included). */
  @Test
  void trainingIsDeterministic() {
    ModelSpec spec = classifier(2);
    TokenBatch b = TinyModels.batch(spec.vocabSize(), 2, 6, 4, 5, 6);
    int[] labels = {0, 1, 1, 0};
    List<List<Float>> curves = new ArrayList<>();
    for (int run = 0; run < 2; run++) {
      List<Float> curve = new ArrayList<>();
      try (TrainingGraph g = new TrainingGraph(spec, init(spec, 7), 0.1f, 1f, ADAM)) {
        for (int s = 1; s <= 15; s++) {
          curve.add(g.step(b, labels, 1e-3f, s, 100 + s).loss());
        }
      }
      curves.add(curve);
    }
    assertEquals(curves.get(0), curves.get(1));
    assertNotEquals(curves.get(0).get(0), curves.get(0).get(14));
  }

  /** Pruned, variable-width layers (one with no heads) train like any other. */
  @Test
  void prunedModelsTrain() {
    ModelSpec spec = classifier(2);
    var p =
        UnitRemoval.remove(
            spec,
            init(spec, 9),
            List.of(new int[] {0, 1, 2, 3}, new int[] {1}),
            List.of(new int[] {0, 1}, new int[] {}));
    TokenBatch b = TinyModels.batch(spec.vocabSize(), 3, 5, 6, 4, 7);
    int[] labels = {1, 0, 1, 0};
    try (TrainingGraph g = new TrainingGraph(p.spec(), p.weights(), 0f, 1f, ADAM)) {
      float first = g.step(b, labels, 5e-3f, 1, 1).loss();
      float last = first;
      for (int s = 2; s <= 60; s++) {
        last = g.step(b, labels, 5e-3f, s, s).loss();
      }
      assertTrue(last < 0.5 * first, first + " -> " + last);
      assertEquals(List.of(0, 3), g.spec().headsPerLayer());
    }
  }

  @Test
  void badLabelsAreRefused() {
    ModelSpec spec = classifier(1);
    try (TrainingGraph g = new TrainingGraph(spec, init(spec, 1), 0f, 1f, ADAM)) {
      TokenBatch b = TinyModels.batch(spec.vocabSize(), 1, 3, 3);
      var e =
          assertThrows(
              IllegalArgumentException.class, () -> g.step(b, new int[] {0, 2}, 1e-3f, 1, 1));
      assertTrue(e.getMessage().contains("label id 2 outside 0..1"), e.getMessage());
    }
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new TrainingGraph(
                    TinyModels.bertSpec(1, 16, 4, 32),
                    TinyModels.randomWeights(TinyModels.bertSpec(1, 16, 4, 32), 1),
                    0f,
                    1f,
                    ADAM));
    assertTrue(e.getMessage().contains("no task head"), e.getMessage());
  }
}
