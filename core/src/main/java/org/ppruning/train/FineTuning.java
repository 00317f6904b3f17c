package org.ppruning.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import org.ppruning.data.Split;
import org.ppruning.data.Task;
import org.ppruning.data.TaskData;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.Weights;
import org.ppruning.tokenize.TextTokenizer;

/**
 * One fine-tuning job, as the {@code finetune} command and the finetuner service run it: a fresh
 * task head (of the task's kind) on a pre-trained or pruned model, training with the best dev epoch
 * kept, and the result exported as a SavedModel with its head.
 */
public final class FineTuning {
  private FineTuning() {}

  /**
   * @param result the trainer's result (per-epoch history, failure if any)
   * @param metric the task's main metric id
   * @param devValue that metric on dev at the best epoch (null if no epoch completed)
   * @param spec the exported model's spec
   * @param trainRows training rows used
   * @param devRows dev rows used
   */
  public record Outcome(
      Trainer.Result result,
      String metric,
      Double devValue,
      ModelSpec spec,
      int trainRows,
      int devRows) {}

  /**
   * How to fine-tune: start from {@link #of} and change only what differs, e.g. {@code
   * Options.of(config).withName(model).withTeacher(distill)}.
   *
   * @param training epochs, learning rate, batch, max length, seed and the rest (required)
   * @param modelName what the base model is called in errors; default {@code "the base model"}
   * @param pooling classification and regression: {@code pooler} or {@code mean}; default null, the
   *     model's own (see {@link TaskExamples#headFor(Task, ModelSpec)})
   * @param distill pull every layer towards a teacher's while training; default null, no teacher
   * @param trainRows train on this many rows chosen by the seed; default null, all
   * @param devRows evaluate on the first this many dev rows; default null, all
   * @param force replace the output folder if it exists; default false
   * @param progress where training reports progress; default {@code System.err}
   */
  public record Options(
      Trainer.Config training,
      String modelName,
      String pooling,
      Distillation distill,
      Integer trainRows,
      Integer devRows,
      boolean force,
      PrintStream progress) {
    public Options {
      if (training == null || modelName == null || progress == null) {
        throw new IllegalArgumentException(
            "fine-tuning options need a trainer config, a model"
                + " name and a progress stream, got "
                + training
                + ", "
                + modelName
                + ", "
                + progress);
      }
    }

    /** The defaults above, with {@code training}. */
    public static Options of(Trainer.Config training) {
      return new Options(training, "the base model", null, null, null, null, false, System.err);
    }

    public Options withName(String name) {
      return new Options(training, name, pooling, distill, trainRows, devRows, force, progress);
    }

    public Options withPooling(String p) {
      return new Options(training, modelName, p, distill, trainRows, devRows, force, progress);
    }

    public Options withTeacher(Distillation d) {
      return new Options(training, modelName, pooling, d, trainRows, devRows, force, progress);
    }

    public Options withTrainRows(Integer n) {
      return new Options(training, modelName, pooling, distill, n, devRows, force, progress);
    }

    public Options withDevRows(Integer n) {
      return new Options(training, modelName, pooling, distill, trainRows, n, force, progress);
    }

    public Options withForce(boolean f) {
      return new Options(training, modelName, pooling, distill, trainRows, devRows, f, progress);
    }

    public Options withProgress(PrintStream p) {
      return new Options(training, modelName, pooling, distill, trainRows, devRows, force, p);
    }
  }

  /**
   * Fine-tunes {@code base} on {@code data} (its task) and exports the best epoch to {@code out}.
   */
  public static Outcome run(TransformerModel base, TaskData data, Path out, Options options)
      throws IOException {
    Task task = data.task();
    String modelName = options.modelName();
    Trainer.Config config = options.training();
    Distillation distill = options.distill();
    Integer trainRows = options.trainRows();
    Integer devRows = options.devRows();
    if (base.tokenizerJson() == null) {
      throw new IllegalArgumentException(modelName + " has no tokenizer");
    }
    ModelSpec pre = base.spec();
    if (pre.head() != null) {
      throw new IllegalArgumentException(
          modelName
              + " is already fine-tuned (for "
              + pre.head().task()
              + "); start from a pre-trained or pruned model");
    }
    ModelSpec spec = pre.withHead(TaskExamples.headFor(task, pre, options.pooling()));
    Weights init = Trainer.addHead(pre, base.readWeights(), spec, config.seed());
    Trainer.Result r;
    int[] rows;
    try (TextTokenizer tok = TextTokenizer.load(base.tokenizerJson())) {
      Examples train =
          TaskExamples.of(data, Split.TRAIN, tok, spec, config.maxLength(), config.seed());
      Examples dev =
          TaskExamples.of(data, Split.DEV, tok, spec, config.maxLength(), config.seed() + 1);
      train = trainRows == null ? train : train.sample(trainRows, config.seed());
      dev = devRows == null ? dev : dev.first(devRows);
      rows = new int[] {train.size(), dev.size()};
      r = Trainer.train(spec, init, train, dev, config, distill, options.progress());
    }
    Map<String, Object> how =
        new java.util.LinkedHashMap<>(
            Map.of(
                "task",
                task.name(),
                "epochs",
                config.epochs(),
                "lr",
                config.learningRate(),
                "batch",
                config.batchSize(),
                "seed",
                config.seed(),
                "bestEpoch",
                r.bestEpoch()));
    if (distill != null) {
      how.put("teacher", distill.spec().source());
      how.put("distillWeight", distill.weight());
      how.put("distillDecay", distill.decay());
    }
    ModelSpec outSpec = spec.withMetadata("finetune", how);
    try (TransformerModel tuned = TransformerModel.build(outSpec, r.best(), base.tokenizerJson())) {
      tuned.export(out, options.force());
    }
    String metric = task.metrics().get(0).id();
    Double dev =
        r.bestEpoch() == 0 ? null : r.epochs().get(r.bestEpoch() - 1).dev().get(evalKey(metric));
    return new Outcome(r, metric, dev, outSpec, rows[0], rows[1]);
  }

  /** Evaluates a fine-tuned model on one split of its task's data. */
  public static Map<String, Double> evaluate(
      TransformerModel tuned, TaskData data, Split split, int maxLength, long seed, int batchSize)
      throws IOException {
    try (TextTokenizer tok = TextTokenizer.load(tuned.tokenizerJson())) {
      Examples ex =
          TaskExamples.of(
              data,
              split,
              tok,
              tuned.spec(),
              Math.min(maxLength, tuned.spec().maxPositions()),
              seed);
      return Evaluation.evaluate(tuned, ex, batchSize);
    }
  }

  /** The trainer's key for a task metric. */
  public static String evalKey(String metric) {
    return metric.equals("matthews_correlation") ? "matthews" : metric;
  }
}
