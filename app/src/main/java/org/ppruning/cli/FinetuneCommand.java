package org.ppruning.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ppruning.data.TaskData;
import org.ppruning.data.Tasks;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.ModelLoader;
import org.ppruning.model.ModelSpec;
import org.ppruning.train.Distillation;
import org.ppruning.train.FineTuning;
import org.ppruning.train.Recipe;
import org.ppruning.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ppruning finetune}: fine-tune a (pruned) model on a task; keep the best dev epoch. */
@Command(
    name = "finetune",
    description =
        "Fine-tune a model (pruned or not) on a task:"
            + " classification, regression, extractive QA, causal LM (gpt2) or masked LM (bert); evaluates"
            + " on the dev split after every epoch and writes the best epoch as a SavedModel with its task"
            + " head.")
final class FinetuneCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "NAME|DIR")
  String model;

  @Option(
      names = "--task",
      required = true,
      description =
          "Built-in task, or an official one"
              + " (GLUE, squad-v1.1, squad-v2.0, wikitext, ptb) with --data (see README).")
  String task;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description =
          "Folder with an official task's files (train.tsv/dev.tsv, train-v1.1.json/"
              + "dev-v1.1.json, wiki.*.raw, ptb.*.txt).")
  Path dataDir;

  @Option(names = "--out", required = true, paramLabel = "DIR")
  Path out;

  @Option(
      names = "--epochs",
      description = "Training epochs (default 3; 5 for a pruned model, see --teacher).")
  Integer epochs;

  @Option(
      names = "--lr",
      description = "Peak learning rate (default 5e-5; 3e-4 for a pruned model, see --teacher).")
  Float lr;

  @Option(names = "--batch", defaultValue = "32")
  int batch;

  @Option(
      names = "--max-len",
      defaultValue = "128",
      description =
          "Longest sequence accepted; longer texts are an error, never cut."
              + " Language-modelling text is cut into rows of this many tokens.")
  int maxLen;

  @Option(names = "--seed", defaultValue = "42")
  long seed;

  @Option(names = "--dropout", defaultValue = "0.1")
  float dropout;

  @Option(
      names = "--warmup",
      defaultValue = "0.1",
      description = "Fraction of steps with a rising learning rate.")
  float warmup;

  @Option(names = "--weight-decay", defaultValue = "0.01")
  float weightDecay;

  @Option(
      names = "--pooling",
      paramLabel = "pooler|mean",
      description =
          "Sentence vector of a"
              + " classification or regression head: BERT's pooler on the first token, or the mean of the"
              + " last layer over the real tokens (default: the pooler if the model has a pre-trained one,"
              + " else the mean).")
  String pooling;

  @Option(
      names = "--teacher",
      paramLabel = "NAME|DIR",
      description =
          "While fine-tuning, also pull"
              + " every layer's output towards the same layer of this model: the pre-trained model the"
              + " pruned one came from (no fine-tuned model is needed). A pruned model defaults to the"
              + " model its spec names as source, with --epochs 5 --lr 3e-4 (the measured recipe);"
              + " 'none' turns the teacher off.")
  String teacher;

  static final String NO_TEACHER = "none";

  @Option(
      names = "--distill-weight",
      defaultValue = "10",
      description =
          "Weight of the"
              + " teacher's loss (mean squared difference of the layer outputs) next to the task loss.")
  float distillWeight;

  // fallbackValue: without it picocli turns a true default off when the flag itself is given.
  @Option(
      names = "--distill-decay",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Lower the teacher's weight linearly to zero over"
              + " training (default); --no-distill-decay keeps it constant.")
  boolean distillDecay;

  /** The teacher's options mean nothing without a teacher: refuse them rather than ignore them. */
  private void checkTeacherOptions(String teacher) {
    if (teacher == null) {
      var given = command.commandLine().getParseResult();
      if (given.hasMatchedOption("--distill-weight")) {
        throw new IllegalArgumentException(
            "--distill-weight needs a teacher (--teacher, or a pruned model's source)");
      }
      if (given.hasMatchedOption("--distill-decay")) { // either form
        throw new IllegalArgumentException(
            "--[no-]distill-decay needs a teacher (--teacher, or a pruned model's source)");
      }
    } else if (!(distillWeight > 0) || !Float.isFinite(distillWeight)) {
      throw new IllegalArgumentException(
          "--distill-weight must be a finite number > 0, got " + distillWeight);
    }
  }

  @Option(
      names = "--train-rows",
      description =
          "Train on N rows chosen at random by --seed" + " (default: all); reported in the output.")
  Integer trainRows;

  @Option(
      names = "--dev-rows",
      description =
          "Evaluate on the first N dev rows (default: all;"
              + " for language modelling a contiguous stretch of text); reported in the output.")
  Integer devRows;

  @Option(names = "--force", description = "Replace DIR if it exists.")
  boolean force;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Spec CommandSpec command;

  @Override
  public Integer call() throws Exception {
    if (Files.exists(out) && !force) {
      throw new IllegalArgumentException("output " + out + " exists; pass --force to replace it");
    }
    if (teacher != null && teacher.isBlank()) {
      throw new IllegalArgumentException("--teacher is empty; give NAME|DIR or none");
    }
    Tasks.task(task); // an unknown task is refused before any download
    ArtifactCache cache = ArtifactCache.fromEnvironment(System.getenv(), System.getProperties());
    TaskData data = TaskData.load(task, dataDir, cache, System.err);
    try (TransformerModel base = ModelLoader.open(model, cache);
        TransformerModel teacherModel = openTeacher(base, cache)) {
      Distillation distill =
          teacherModel == null
              ? null
              : new Distillation(
                  teacherModel.spec(), teacherModel.readWeights(), distillWeight, distillDecay);
      FineTuning.Outcome outcome =
          FineTuning.run(
              base,
              data,
              out,
              FineTuning.Options.of(config)
                  .withName(model)
                  .withPooling(pooling)
                  .withTeacher(distill)
                  .withTrainRows(trainRows)
                  .withDevRows(devRows)
                  .withForce(force));
      Trainer.Result r = outcome.result();
      ModelSpec spec = outcome.spec();
      int[] rows = {outcome.trainRows(), outcome.devRows()};
      String metric = outcome.metric();
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("metric", metric);
      o.put("value", outcome.devValue());
      o.put("split", "dev");
      o.put("head", spec.head().type());
      if (spec.head().pooling() != null) {
        o.put("pooling", spec.head().pooling());
      }
      o.put("trainRows", rows[0]);
      o.put("devRows", rows[1]);
      o.put("recipe", recipe.name());
      o.put("learningRate", config.learningRate());
      o.put("epochs", r.epochs().size());
      o.put("bestEpoch", r.bestEpoch());
      o.put("secondsPerStep", r.secondsPerStep());
      List<Map<String, Object>> history = new ArrayList<>();
      for (Trainer.Epoch e : r.epochs()) {
        history.add(Map.of("epoch", e.epoch(), "trainLoss", e.trainLoss(), "dev", e.dev()));
      }
      o.put("history", history);
      if (distill != null) {
        o.put("teacher", teacherName);
        o.put("distillWeight", distillWeight);
        o.put("distillDecay", distillDecay);
      }
      o.put("out", out.toAbsolutePath().toString());
      if (r.failure() != null) {
        o.put("error", r.failure());
      }
      if (json) {
        Json.print(o);
      } else {
        System.out.printf(
            "fine-tuned %s on %s (%s head) -> %s: best epoch %d, dev %s %s, %.3f" + " s/step%n",
            model,
            task,
            spec.head().type(),
            out,
            r.bestEpoch(),
            metric,
            o.get("value"),
            r.secondsPerStep());
      }
      if (r.failure() != null) {
        System.err.println("ppruning finetune: " + r.failure() + "; written to " + out);
        return 1;
      }
      return 0;
    }
  }

  private Recipe recipe;
  private String teacherName;
  private Trainer.Config config;

  /**
   * Settles the recipe from the model (a pruned one gets the measured one) and the options given,
   * then opens the teacher, or returns null for none.
   */
  private TransformerModel openTeacher(TransformerModel base, ArtifactCache cache) {
    recipe = Recipe.forModel(base.spec());
    teacherName = teacher == null ? recipe.teacher() : teacher.equals(NO_TEACHER) ? null : teacher;
    checkTeacherOptions(teacherName);
    config =
        new Trainer.Config(
            epochs == null ? recipe.epochs() : epochs,
            lr == null ? recipe.learningRate() : lr,
            batch,
            maxLen,
            seed,
            warmup,
            weightDecay,
            dropout,
            1.0f);
    if (recipe != Recipe.DEFAULT) {
      System.err.printf(
          "%s is pruned from %s: the pruned-model recipe, --epochs %d --lr %s --teacher %s"
              + " (options given on the command line win; --teacher none: no teacher)%n",
          model,
          recipe.teacher(),
          config.epochs(),
          config.learningRate(),
          teacherName == null ? NO_TEACHER : teacherName);
    }
    if (teacherName == null) {
      return null;
    }
    try {
      return ModelLoader.open(teacherName, cache);
    } catch (Exception e) {
      throw new IllegalArgumentException(
          "cannot open the teacher '"
              + teacherName
              + "'"
              + (teacher == null ? " (the pruned model's source, its default teacher)" : "")
              + ": "
              + e.getMessage()
              + (teacher == null ? "; give --teacher NAME|DIR, or --teacher none" : ""),
          e);
    }
  }
}
