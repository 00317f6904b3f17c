package org.ppruning.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ppruning.data.SplitData;
import org.ppruning.data.Sample;
import org.ppruning.data.Task;
import org.ppruning.data.Tasks;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TransformerModel;
import org.ppruning.train.FineTuning;
import org.ppruning.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ppruning finetune}: fine-tune a (pruned) model on a task; keep the best dev epoch. */
@Command(name = "finetune", description = "Fine-tune a model (pruned or not) on a built-in"
    + " classification task; evaluates on the dev split after every epoch and writes the best"
    + " epoch as a SavedModel with its task head.")
final class FinetuneCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "NAME|DIR") String model;

  @Option(names = "--task", required = true, description = "Built-in task (see README).")
  String task;

  @Option(names = "--out", required = true, paramLabel = "DIR") Path out;

  @Option(names = "--epochs", defaultValue = "3") int epochs;

  @Option(names = "--lr", defaultValue = "5e-5", description = "Peak learning rate.") float lr;

  @Option(names = "--batch", defaultValue = "32") int batch;

  @Option(names = "--max-len", defaultValue = "128",
      description = "Longest sequence accepted; longer texts are an error, never cut.")
  int maxLen;

  @Option(names = "--seed", defaultValue = "42") long seed;

  @Option(names = "--dropout", defaultValue = "0.1") float dropout;

  @Option(names = "--warmup", defaultValue = "0.1",
      description = "Fraction of steps with a rising learning rate.")
  float warmup;

  @Option(names = "--weight-decay", defaultValue = "0.01") float weightDecay;

  @Option(names = "--force", description = "Replace DIR if it exists.") boolean force;

  @Option(names = "--json", description = "Print one JSON object.") boolean json;

  @Override
  public Integer call() throws Exception {
    if (Files.exists(out) && !force) {
      throw new IllegalArgumentException("output " + out + " exists; pass --force to replace it");
    }
    Task t = FineTuning.requireSupported(Tasks.task(task));
    Trainer.Config config = new Trainer.Config(epochs, lr, batch, maxLen, seed, warmup,
        weightDecay, dropout, 1.0f);
    ArtifactCache cache = ArtifactCache.defaultCache();
    SplitData<Sample> data = Tasks.splits(task, cache, System.err);
    try (TransformerModel base = ModelLoader.open(model, cache)) {
      FineTuning.Outcome outcome = FineTuning.run(base, model, t, data, config, out, force,
          System.err);
      Trainer.Result r = outcome.result();
      String metric = outcome.metric();
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("metric", metric);
      o.put("value", outcome.devValue());
      o.put("split", "dev");
      o.put("epochs", r.epochs().size());
      o.put("bestEpoch", r.bestEpoch());
      o.put("secondsPerStep", r.secondsPerStep());
      List<Map<String, Object>> history = new ArrayList<>();
      for (Trainer.Epoch e : r.epochs()) {
        history.add(Map.of("epoch", e.epoch(), "trainLoss", e.trainLoss(), "dev", e.dev()));
      }
      o.put("history", history);
      o.put("out", out.toAbsolutePath().toString());
      if (r.failure() != null) {
        o.put("error", r.failure());
      }
      if (json) {
        Json.print(o);
      } else {
        System.out.printf("fine-tuned %s on %s -> %s: best epoch %d, dev %s %s, %.3f s/step%n",
            model, task, out, r.bestEpoch(), metric, o.get("value"), r.secondsPerStep());
      }
      if (r.failure() != null) {
        System.err.println("ppruning finetune: " + r.failure() + "; written to " + out);
        return 1;
      }
      return 0;
    }
  }
}
