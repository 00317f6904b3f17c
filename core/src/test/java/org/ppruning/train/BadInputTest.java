package org.ppruning.train;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.data.QaSample;
import org.ppruning.data.Sample;
import org.ppruning.data.Split;
import org.ppruning.data.SplitData;
import org.ppruning.data.SquadJson;
import org.ppruning.data.TaskData;
import org.ppruning.data.Tasks;
import org.ppruning.graph.TokenBatch;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TaskHead;
import org.ppruning.model.TinyModels;
import org.ppruning.model.Weights;
import org.ppruning.tokenize.TextTokenizer;
import org.ppruning.tokenize.Tokenizers;

/**
 * Bad training input ends with a message naming it: labels outside the task's set, an empty split,
 * a NaN loss (training stops and keeps the last good weights). Also: a tiny model fits a tiny SQuAD
 * file written here to 100% exact match through the whole QA path (tokenizer offsets, span targets,
 * span decoding, SQuAD metrics).
 */
class BadInputTest {
  @TempDir Path tmp;

  /** A WordPiece tokenizer over a tiny vocabulary (ids below TinyModels' 50). */
  TextTokenizer tokenizer() throws Exception {
    List<String> vocab =
        List.of(
            "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "river", "flows", "through",
            "paris", "and", "london", "is", "big", "city", "where", "does", "what", "?", ".", "a",
            "capital", "of", "france", "england", "which", "seine", "thames", "flow");
    Path v = Files.write(tmp.resolve("vocab.txt"), vocab);
    return TextTokenizer.load(Tokenizers.bertJson(v, true, tmp));
  }

  @Test
  void labelsOutsideTheLabelSetAreNamed() throws Exception {
    ModelSpec spec =
        TinyModels.bertSpec(1, 16, 4, 32)
            .withHead(new TaskHead(TaskHead.CLASSIFICATION, List.of("0", "1"), "sentiment"));
    try (TextTokenizer tok = tokenizer()) {
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  Examples.classification(
                      tok,
                      List.of(
                          new Sample("a", "the river flows", null, "1"),
                          new Sample("b", "paris is big", null, "positive")),
                      spec.head(),
                      16));
      assertEquals("sample 'b' has label 'positive', not one of [0, 1]", e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  Examples.regression(
                      tok, List.of(new Sample("c", "the river flows", null, "high")), 16));
      assertEquals(
          "sample 'c' has label 'high', not a number (a regression task needs a" + " score)",
          e.getMessage());
    }
  }

  @Test
  void anEmptySplitIsNamed() throws Exception {
    TaskData data =
        new TaskData(
            Tasks.task("sentiment"),
            new SplitData<>(
                List.of(new Sample("a", "the river flows", null, "1")), List.of(), List.of()),
            null,
            null);
    ModelSpec spec =
        TinyModels.bertSpec(1, 16, 4, 32)
            .withHead(new TaskHead(TaskHead.CLASSIFICATION, List.of("0", "1"), "sentiment"));
    try (TextTokenizer tok = tokenizer()) {
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () -> TaskExamples.of(data, Split.DEV, tok, spec, 16, 1));
      assertEquals("the dev split of task 'sentiment' is empty", e.getMessage());
    }
  }

  /**
   * A learning rate of 1e38 blows the weights up after the first epoch's one step; the second
   * epoch's loss is not a number, and training stops keeping epoch 1's weights.
   */
  @Test
  void nanLossStopsAndKeepsTheLastGoodWeights() {
    ModelSpec spec =
        TinyModels.bertSpec(1, 16, 4, 32)
            .withHead(new TaskHead(TaskHead.CLASSIFICATION, List.of("0", "1"), "tiny"));
    Weights init = TinyModels.randomWeights(spec, 1);
    TokenBatch b = TinyModels.batch(spec.vocabSize(), 2, 5, 4, 6, 3);
    int[][] ids = new int[4][];
    int[][] types = new int[4][];
    for (int i = 0; i < 4; i++) {
      ids[i] = java.util.Arrays.copyOfRange(b.inputIds(), i * b.seqLen(), i * b.seqLen() + 3);
      types[i] = new int[3];
    }
    Examples ex = new Examples.Classified(ids, types, 0, new int[] {0, 1, 1, 0});
    Trainer.Result r =
        Trainer.train(
            spec, init, ex, ex, new Trainer.Config(3, 1e38f, 4, 16, 1, 0f, 0f, 0f, 0f), System.err);
    assertNotNull(r.failure());
    assertTrue(
        r.failure()
            .matches(
                "loss became (NaN|-?Infinity) at epoch 2 step 1 .*; kept the"
                    + " weights of epoch 1"),
        r.failure());
    assertEquals(1, r.bestEpoch());
    assertEquals(1, r.epochs().size());
    assertTrue(Float.isFinite((float) r.epochs().get(0).trainLoss()));
    assertNotEquals(init.get("classifier/kernel"), r.best().get("classifier/kernel"));
  }

  /** Tokenizer offsets -> span targets -> training -> span decoding -> exact match 100%. */
  @Test
  void tinyModelFitsATinySquadFile() throws Exception {
    String json =
        """
        {"version": "1.1", "data": [{"title": "Rivers", "paragraphs": [
          {"context": "The Seine flows through Paris. The Thames flows through London.",
           "qas": [
             {"id": "q1", "question": "Which river flows through Paris?",
              "answers": [{"text": "Seine", "answer_start": 4}]},
             {"id": "q2", "question": "Which river flows through London?",
              "answers": [{"text": "Thames", "answer_start": 35}]},
             {"id": "q3", "question": "Where does the Seine flow?",
              "answers": [{"text": "Paris", "answer_start": 24}]},
             {"id": "q4", "question": "Where does the Thames flow?",
              "answers": [{"text": "London", "answer_start": 56}]}]}]}]}
        """;
    List<QaSample> qs = SquadJson.read(Files.writeString(tmp.resolve("train-v1.1.json"), json));
    ModelSpec spec =
        TinyModels.bertSpec(2, 16, 4, 32)
            .withHead(TaskHead.of(TaskHead.EXTRACTIVE_QA, "squad-v1.1"));
    try (TextTokenizer tok = tokenizer()) {
      Examples.Spans ex = Examples.qa(tok, qs, 24, false);
      // "[CLS] which river flows through paris ? [SEP] the seine ...": Seine is token 9.
      assertEquals(9, ex.starts[0]);
      assertEquals(9, ex.ends[0]);
      Weights w = TinyModels.randomWeights(spec, 2);
      int[] all = {0, 1, 2, 3};
      try (TrainingGraph g = new TrainingGraph(spec, w, 0f, 1f, TaskHeadsTest.ADAM)) {
        TokenBatch b = ex.batch(all);
        for (int s = 1; s <= 150; s++) {
          g.step(b, ex.targets(all, b), 3e-3f, s, s);
        }
        w = g.readWeights();
      }
      var m = Evaluation.evaluate(spec, w, ex, 4);
      assertEquals(1.0, m.get("exact_match"));
      assertEquals(1.0, m.get("token_f1"));
    }
  }
}
