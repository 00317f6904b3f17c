package org.ppruning.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import org.ppruning.data.Sample;
import org.ppruning.data.SplitData;
import org.ppruning.data.Task;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TaskHead;
import org.ppruning.model.Weights;
import org.ppruning.tokenize.TextTokenizer;

/**
 * One fine-tuning job, as the {@code finetune} command and the finetuner service run it: a fresh
 * task head on a pre-trained (or pruned) model, training with the best dev epoch kept, and the
 * result exported as a SavedModel with its head.
 */
public final class FineTuning {
  private FineTuning() {}

  /**
   * @param result   the trainer's result (per-epoch history, failure if any)
   * @param metric   the task's main metric id
   * @param devValue that metric on dev at the best epoch (null if no epoch completed)
   * @param spec     the exported model's spec
   */
  public record Outcome(Trainer.Result result, String metric, Double devValue, ModelSpec spec) {}

  /**
   * Fine-tunes {@code base} on {@code data} and exports the best epoch to {@code out}.
   *
   * @param modelName what {@code base} is called in errors (a name or a folder)
   */
  public static Outcome run(TransformerModel base, String modelName, Task task,
      SplitData<Sample> data, Trainer.Config config, Path out, boolean force,
      PrintStream progress) throws IOException {
    requireSupported(task);
    if (base.tokenizerJson() == null) {
      throw new IllegalArgumentException(modelName + " has no tokenizer");
    }
    ModelSpec pre = base.spec();
    if (pre.head() != null) {
      throw new IllegalArgumentException(modelName + " is already fine-tuned (for "
          + pre.head().task() + "); start from a pre-trained or pruned model");
    }
    ModelSpec spec = pre.withHead(new TaskHead(TaskHead.CLASSIFICATION, task.labels(),
        task.name()));
    Weights init = Trainer.addHead(pre, base.readWeights(), spec, config.seed());
    Trainer.Result r;
    try (TextTokenizer tok = TextTokenizer.load(base.tokenizerJson())) {
      r = Trainer.fineTune(spec, init, tok, data.train(), data.dev(), config, progress);
    }
    ModelSpec outSpec = spec.withMetadata("finetune", Map.of("task", task.name(),
        "epochs", config.epochs(), "lr", config.learningRate(), "batch", config.batchSize(),
        "seed", config.seed(), "bestEpoch", r.bestEpoch()));
    try (TransformerModel tuned = TransformerModel.build(outSpec, r.best(),
        base.tokenizerJson())) {
      tuned.export(out, force);
    }
    String metric = task.metrics().get(0).id();
    Double dev = r.bestEpoch() == 0 ? null
        : r.epochs().get(r.bestEpoch() - 1).dev().get(evalKey(metric));
    return new Outcome(r, metric, dev, outSpec);
  }

  /** Refuses, before any data is loaded, a task whose kind cannot be fine-tuned yet. */
  public static Task requireSupported(Task task) {
    if (!task.kind().isClassification()) {
      throw new IllegalArgumentException("finetune supports classification tasks so far; task '"
          + task.name() + "' is " + task.kind());
    }
    return task;
  }

  /** The trainer's key for a task metric. */
  public static String evalKey(String metric) {
    return metric.equals("matthews_correlation") ? "matthews" : metric;
  }
}
