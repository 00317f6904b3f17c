package org.ppruning.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TaskHead;
import org.ppruning.model.TinyModels;

/** eval refuses a model without the head its task needs, naming both; bad pretrain options. */
class HeadsCliTest {
  @TempDir Path tmp;

  Path export(ModelSpec spec, String name) throws Exception {
    Path dir = tmp.resolve(name);
    try (TransformerModel m =
        TransformerModel.build(spec, TinyModels.randomWeights(spec, 1), null)) {
      m.export(dir, false);
    }
    return dir;
  }

  @Test
  void evalNeedsTheTasksHead() throws Exception {
    Path headless = export(TinyModels.bertSpec(1, 16, 4, 32), "headless");
    CliRunner r = CliRunner.run("eval", "--model", headless.toString(), "--task", "sentiment");
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(
        r.err()
            .contains(
                headless
                    + " has no task head (a pre-trained or pruned model);"
                    + " fine-tune it for 'sentiment' first"),
        r.err());

    Path regression =
        export(
            TinyModels.bertSpec(1, 16, 4, 32).withHead(TaskHead.of(TaskHead.REGRESSION, "stsb")),
            "regression");
    r = CliRunner.run("eval", "--model", regression.toString(), "--task", "sentiment");
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(
        r.err()
            .contains(
                regression
                    + " has a regression head (trained on 'stsb'); task"
                    + " 'sentiment' needs a classification head"),
        r.err());

    Path lm =
        export(
            TinyModels.gpt2Spec(1, 16, 4, 32).withHead(TaskHead.of(TaskHead.CAUSAL_LM, "sotu")),
            "lm");
    r = CliRunner.run("eval", "--model", lm.toString(), "--task", "sentiment");
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(
        r.err().contains("task 'sentiment' is classification, which needs a bert model"), r.err());

    r = CliRunner.run("eval", "--model", lm.toString(), "--task", "stsb");
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(r.err().contains("is regression, which needs a bert model"), r.err());
  }

  @Test
  void officialTasksNeedTheirFiles() throws Exception {
    Path qa =
        export(
            TinyModels.bertSpec(1, 16, 4, 32)
                .withHead(TaskHead.of(TaskHead.EXTRACTIVE_QA, "squad-v1.1")),
            "qa");
    CliRunner r = CliRunner.run("eval", "--model", qa.toString(), "--task", "squad-v1.1");
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(
        r.err().contains("task 'squad-v1.1' has no built-in data: pass --data DIR"), r.err());
    r =
        CliRunner.run(
            "eval", "--model", qa.toString(), "--task", "squad-v1.1", "--data", tmp.toString());
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(r.err().contains("has no train-v1.1.json"), r.err());
  }

  @Test
  void pretrainRefusesOtherArchitecturesAndCorpora() {
    CliRunner r = CliRunner.run("pretrain", "--arch", "bert", "--out", tmp.resolve("x").toString());
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("--arch must be gpt2, got 'bert'"), r.err());
    r = CliRunner.run("pretrain", "--corpus", "sentiment", "--out", tmp.resolve("x").toString());
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("--corpus must be a built-in language-modelling task"), r.err());
  }
}
