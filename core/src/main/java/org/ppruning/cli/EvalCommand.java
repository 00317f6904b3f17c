package org.ppruning.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ppruning.data.Sample;
import org.ppruning.data.Split;
import org.ppruning.data.Task;
import org.ppruning.data.Tasks;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TransformerModel;
import org.ppruning.tokenize.TextTokenizer;
import org.ppruning.train.Trainer;
import org.ppruning.train.FineTuning;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ppruning eval}: a fine-tuned model's metrics on a split of its task. */
@Command(name = "eval", description = "Evaluate a fine-tuned model on a split of a built-in task.")
final class EvalCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR") Path model;

  @Option(names = "--task", required = true) String task;

  @Option(names = "--split", defaultValue = "dev", description = "dev or test (default ${DEFAULT-VALUE}).")
  String split;

  @Option(names = "--batch", defaultValue = "32") int batch;

  @Option(names = "--max-len", defaultValue = "128") int maxLen;

  @Option(names = "--json", description = "Print one JSON object.") boolean json;

  @Override
  public Integer call() throws Exception {
    Task t = Tasks.task(task);
    Split s = Split.parse(split);
    try (TransformerModel m = TransformerModel.load(model)) {
      if (m.spec().head() == null) {
        throw new IllegalArgumentException(model + " has no task head; fine-tune it first");
      }
      if (!m.spec().head().labels().equals(t.labels())) {
        throw new IllegalArgumentException(model + " predicts labels " + m.spec().head().labels()
            + ", task '" + task + "' has " + t.labels());
      }
      List<Sample> samples = Tasks.samples(task, s, ArtifactCache.defaultCache(), System.err);
      if (samples.isEmpty()) {
        throw new IllegalArgumentException("the " + split + " split of " + task + " is empty");
      }
      Map<String, Double> metrics;
      try (TextTokenizer tok = TextTokenizer.load(m.tokenizerJson())) {
        metrics = Trainer.evaluate(m, tok, samples, batch, maxLen);
      }
      String metric = t.metrics().get(0).id();
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("metric", metric);
      o.put("value", metrics.get(FineTuning.evalKey(metric)));
      o.put("split", s.id());
      o.put("samples", samples.size());
      o.put("metrics", metrics);
      if (json) {
        Json.print(o);
      } else {
        System.out.printf("%s on %s/%s (%d samples): %s%n", model, task, s.id(), samples.size(),
            metrics);
      }
      return 0;
    }
  }
}
