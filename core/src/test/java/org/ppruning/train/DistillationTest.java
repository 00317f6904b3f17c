package org.ppruning.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.ppruning.graph.TokenBatch;
import org.ppruning.model.BertLayout;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TaskHead;
import org.ppruning.model.TinyModels;
import org.ppruning.model.UnitRemoval;
import org.ppruning.model.Weights;

/** A pruned tiny BERT fine-tuned with its unpruned self as the teacher. */
class DistillationTest {
  static final ModelSpec TEACHER = TinyModels.bertSpec(2, 16, 4, 32);
  static final Weights TEACHER_WEIGHTS = TinyModels.randomWeights(TEACHER, 7);
  static final TaskHead HEAD =
      new TaskHead(TaskHead.CLASSIFICATION, List.of("a", "b"), "tiny", TaskHead.MEAN);
  static final TokenBatch BATCH = TinyModels.batch(TEACHER.vocabSize(), 4, 6, 4, 5);
  static final Targets LABELS = Targets.classes(new int[] {0, 1, 1});

  /** The teacher with the given units removed, plus a fresh classification head. */
  static Student student(List<int[]> dropHeads, List<int[]> dropNeurons) {
    var p = UnitRemoval.remove(TEACHER, TEACHER_WEIGHTS, dropHeads, dropNeurons);
    ModelSpec spec = p.spec().withHead(HEAD);
    return new Student(spec, Trainer.addHead(p.spec(), p.weights(), spec, 1));
  }

  record Student(ModelSpec spec, Weights weights) {}

  static Student pruned() {
    return student(
        List.of(new int[] {1}, new int[] {0, 2}),
        List.of(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, new int[] {}));
  }

  static float loss(Student s, Distillation d) {
    try (TrainingGraph g = new TrainingGraph(s.spec(), s.weights(), 0f, 0f, null, d)) {
      return g.loss(BATCH, LABELS, 0);
    }
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    Student s = pruned();
    TaskHeadsTest.gradientCheck(
        s.spec(),
        s.weights(),
        BATCH,
        LABELS,
        new Distillation(TEACHER, TEACHER_WEIGHTS, 5f),
        BertLayout.query(1) + "/kernel",
        BertLayout.intermediate(0) + "/kernel",
        BertLayout.outputLn(1) + "/gamma",
        BertLayout.CLASSIFIER + "/kernel",
        BertLayout.WORD_EMBEDDINGS);
  }

  /**
   * An unpruned student has the teacher's layers: the distillation term is zero. A pruned one's
   * term is positive and scales with the weight.
   */
  @Test
  void termIsZeroForTheTeacherItselfAndScalesWithTheWeight() {
    Student same =
        student(List.of(new int[] {}, new int[] {}), List.of(new int[] {}, new int[] {}));
    assertEquals(
        loss(same, null), loss(same, new Distillation(TEACHER, TEACHER_WEIGHTS, 3f)), 1e-6);
    Student s = pruned();
    float task = loss(s, null);
    float one = loss(s, new Distillation(TEACHER, TEACHER_WEIGHTS, 1f)) - task;
    float three = loss(s, new Distillation(TEACHER, TEACHER_WEIGHTS, 3f)) - task;
    assertTrue(one > 1e-3, "distillation term " + one);
    assertEquals(3 * one, three, 1e-4 * three);
  }

  /** A step's scale multiplies the weight; the decaying schedule falls linearly to zero. */
  @Test
  void scheduleScalesTheTerm() {
    Student s = pruned();
    Distillation d = new Distillation(TEACHER, TEACHER_WEIGHTS, 2f, true);
    float task = loss(s, null);
    float full = loss(s, d) - task;
    float[] got = new float[2];
    float[] scales = {0f, 0.25f};
    for (int i = 0; i < 2; i++) {
      try (TrainingGraph g =
          new TrainingGraph(s.spec(), s.weights(), 0f, 0f, TaskHeadsTest.ADAM, d)) {
        got[i] = g.step(BATCH, LABELS, 1e-3f, 1, 0, scales[i]).loss() - task;
      }
    }
    assertEquals(0f, got[0], 1e-6);
    assertEquals(0.25f * full, got[1], 1e-4 * full);
    assertEquals(1f, d.scale(1, 4));
    assertEquals(0.25f, d.scale(4, 4));
    assertEquals(1f, new Distillation(TEACHER, TEACHER_WEIGHTS, 2f).scale(4, 4));
  }

  /** Training on the distillation term alone (weight 100) brings the pruned layers closer. */
  @Test
  void trainingPullsThePrunedLayersTowardsTheTeacher() {
    Student s = pruned();
    Distillation d = new Distillation(TEACHER, TEACHER_WEIGHTS, 100f);
    float before = loss(s, d);
    Weights after;
    try (TrainingGraph g =
        new TrainingGraph(s.spec(), s.weights(), 0f, 1f, TaskHeadsTest.ADAM, d)) {
      for (int step = 1; step <= 50; step++) {
        g.step(BATCH, LABELS, 3e-3f, step, step);
      }
      after = g.readWeights();
    }
    float reached = loss(new Student(s.spec(), after), d);
    assertTrue(reached < 0.5 * before, before + " -> " + reached);
  }

  @Test
  void refusesATeacherOfAnotherShapeAndABadWeight() {
    ModelSpec deeper = TinyModels.bertSpec(3, 16, 4, 32);
    Distillation d = new Distillation(deeper, TinyModels.randomWeights(deeper, 1), 1f);
    Student s = pruned();
    var e = assertThrows(IllegalArgumentException.class, () -> loss(s, d));
    assertEquals(
        "cannot distil tiny-random-bert (bert, vocabulary 50, 2 layers, hidden 16) from"
            + " tiny-random-bert (bert, vocabulary 50, 3 layers, hidden 16): the architecture,"
            + " vocabulary, hidden size and layer count must match",
        e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new Distillation(TEACHER, TEACHER_WEIGHTS, Float.NaN));
    assertEquals("distillation weight must be a finite number > 0, got NaN", e.getMessage());
    Weights missing = new Weights();
    TEACHER_WEIGHTS.names().stream()
        .filter(n -> !n.equals(BertLayout.query(0) + "/kernel"))
        .forEach(n -> missing.put(n, TEACHER_WEIGHTS.get(n)));
    assertThrows(IllegalArgumentException.class, () -> new Distillation(TEACHER, missing, 1f));
  }
}
