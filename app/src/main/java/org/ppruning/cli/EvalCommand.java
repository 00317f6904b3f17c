package org.ppruning.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ppruning.data.Split;
import org.ppruning.data.Task;
import org.ppruning.data.TaskData;
import org.ppruning.data.Tasks;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.Precision;
import org.ppruning.graph.TransformerModel;
import org.ppruning.tokenize.TextTokenizer;
import org.ppruning.train.Evaluation;
import org.ppruning.train.Examples;
import org.ppruning.train.FineTuning;
import org.ppruning.train.TaskExamples;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ppruning eval}: a fine-tuned model's metrics on a split of its task. */
@Command(
    name = "eval",
    description =
        "Evaluate a fine-tuned model on a split of its task:"
            + " accuracy/F1/Matthews, Pearson/Spearman, exact match/token F1, or perplexity.")
final class EvalCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR")
  Path model;

  @Option(names = "--task", required = true)
  String task;

  @Option(
      names = "--split",
      defaultValue = "dev",
      description = "dev or test (default ${DEFAULT-VALUE}).")
  String split;

  @Option(names = "--batch", defaultValue = "32")
  int batch;

  @Option(
      names = "--max-len",
      defaultValue = "128",
      description =
          "Longest sequence (language models: row length, at most the model's" + " positions).")
  int maxLen;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description = "Folder with an official task's files (see finetune).")
  Path dataDir;

  @Option(
      names = "--seed",
      defaultValue = "43",
      description = "Masked LM: which tokens are masked (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--rows",
      description =
          "Evaluate only the first N rows of the split (for"
              + " language modelling a contiguous stretch of text; default: all); reported as rows.")
  Integer rowsMax;

  @Option(
      names = "--precision",
      defaultValue = "fp32",
      paramLabel = "fp32|bf16",
      description =
          "What the model computes in: fp32 (default) or bf16, TensorFlow's oneDNN bfloat16"
              + " rewrite of the same SavedModel (docs/serving.md).")
  String precision;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Task t = Tasks.task(task);
    Split s = Split.parse(split);
    Precision p = Precision.parse(precision, "--precision");
    p.requireSupported("--precision");
    try (TransformerModel m = TransformerModel.load(model, p)) {
      TaskExamples.checkHead(model.toString(), m.spec(), t);
      TaskData data =
          TaskData.load(
              task,
              dataDir,
              ArtifactCache.fromEnvironment(System.getenv(), System.getProperties()),
              System.err);
      if (m.tokenizerJson() == null) {
        throw new IllegalArgumentException(model + " has no tokenizer");
      }
      Map<String, Double> metrics;
      int rows;
      try (TextTokenizer tok = TextTokenizer.load(m.tokenizerJson())) {
        Examples ex =
            TaskExamples.of(
                data, s, tok, m.spec(), Math.min(maxLen, m.spec().maxPositions()), seed);
        ex = rowsMax == null ? ex : ex.first(rowsMax);
        rows = ex.size();
        metrics = Evaluation.evaluate(m, ex, batch);
      }
      String metric = t.metrics().get(0).id();
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("metric", metric);
      o.put("value", metrics.get(FineTuning.evalKey(metric)));
      o.put("split", s.id());
      o.put("samples", data.size(s));
      o.put("rows", rows);
      o.put("precision", p.id());
      o.put("head", m.spec().head().type());
      o.put("metrics", metrics);
      if (json) {
        Json.print(o);
      } else {
        System.out.printf(
            "%s on %s/%s (%d samples, %s): %s%n",
            model, task, s.id(), data.size(s), p.id(), metrics);
      }
      return 0;
    }
  }
}
