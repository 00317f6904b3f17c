package org.ppruning.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ppruning.data.Sample;
import org.ppruning.data.SampleFiles;
import org.ppruning.data.Split;
import org.ppruning.data.Tasks;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.Precision;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.ModelLoader;
import org.ppruning.model.ModelSpec;
import org.ppruning.pruning.compensation.Calibration;
import org.ppruning.pruning.compensation.CalibrationMask;
import org.ppruning.pruning.compensation.Compensation;
import org.ppruning.pruning.compensation.CompensationSettings;
import org.ppruning.pruning.run.Method;
import org.ppruning.pruning.run.PruneRun;
import org.ppruning.pruning.run.PruneSettings;
import org.ppruning.pruning.run.SampleSelection;
import org.ppruning.summary.FeatureCollector;
import org.ppruning.summary.Summaries;
import org.ppruning.tokenize.TextTokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ppruning prune}: P-pruning of a pre-trained model on unlabelled task inputs. */
@Command(
    name = "prune",
    description =
        "Prune a pre-trained model before fine-tuning (P-pruning):"
            + " profile it on task inputs, cluster similar heads and neurons, keep one per cluster under a"
            + " FLOPs or parameter budget, write the smaller SavedModel and a report.")
final class PruneCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      required = true,
      paramLabel = "NAME|DIR",
      description = "Catalog model, ppruning SavedModel or Hugging Face checkpoint folder.")
  String model;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Input input;

  static final class Input {
    @Option(
        names = "--task",
        description = "Built-in task: ${COMPLETION-CANDIDATES}.",
        completionCandidates = TaskNames.class)
    String task;

    @Option(
        names = "--samples",
        paramLabel = "FILE",
        description = "JSON lines with text (and optional id, text_pair, label).")
    Path samples;
  }

  @ArgGroup(exclusive = true)
  BudgetOption budget;

  static final class BudgetOption {
    @Option(
        names = "--flops-keep",
        description = "Fraction of encoder FLOPs to keep (default 0.5).")
    Double flops;

    @Option(names = "--params-keep", description = "Fraction of head+neuron parameters to keep.")
    Double params;
  }

  @Option(names = "--out", required = true, paramLabel = "DIR")
  Path out;

  @Option(
      names = "--method",
      defaultValue = PruneSettings.DEFAULT_METHOD,
      description = "p-pruning, random, weight-magnitude or activation (default ${DEFAULT-VALUE}).")
  String method;

  @Option(
      names = "--linkage",
      defaultValue = PruneSettings.DEFAULT_LINKAGE,
      description =
          "reference (Chebyshev between distance rows, as the paper's code) or direct"
              + " (default ${DEFAULT-VALUE}).")
  String linkage;

  @Option(
      names = "--lambda",
      defaultValue = "" + PruneSettings.DEFAULT_LAMBDA,
      description =
          "FFN cost removed per unit of attention cost removed (default ${DEFAULT-VALUE}).")
  double lambda;

  @Option(
      names = "--heads-keep",
      description = "Fraction of attention cost to keep (overrides" + " the lambda split).")
  Double headsKeep;

  @Option(names = "--neurons-keep", description = "Fraction of FFN cost to keep.")
  Double neuronsKeep;

  @Option(
      names = "--split",
      defaultValue = "train",
      description =
          "Split of a built-in task to profile: train, dev, test or all (default"
              + " ${DEFAULT-VALUE}).")
  String split;

  @Option(
      names = "--passage-words",
      defaultValue = "128",
      description =
          "Language-modelling tasks: words per profiled passage (default"
              + " ${DEFAULT-VALUE}); a model with few positions needs shorter ones.")
  int passageWords;

  @Option(
      names = "--samples-max",
      defaultValue = "3000",
      description = "Profile at most this many samples (default ${DEFAULT-VALUE}).")
  int samplesMax;

  @Option(
      names = "--tokens",
      defaultValue = "" + PruneSettings.DEFAULT_TOKENS,
      description = "Sampled tokens per unit feature (default ${DEFAULT-VALUE}).")
  int tokens;

  @Option(
      names = "--seed",
      defaultValue = "" + PruneSettings.DEFAULT_SEED,
      description = "Sampling seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--batch",
      defaultValue = "" + Summaries.DEFAULT_ROWS_PER_RUN,
      description =
          "Rows per profile run (default ${DEFAULT-VALUE}, the services' value: the"
              + " features then equal a stream's bit for bit).")
  int batch;

  @Option(
      names = "--seq-len",
      description = "Sequence length for FLOPs (default: the samples'" + " mean token count).")
  Integer seqLen;

  @Option(
      names = "--precision",
      defaultValue = "fp32",
      paramLabel = "fp32|bf16",
      description =
          "What the model computes in while profiling: fp32 (default) or bf16, TensorFlow's"
              + " oneDNN bfloat16 rewrite (docs/serving.md). The pruned weights are fp32 either way.")
  String precision;

  @Option(
      names = "--compensation",
      defaultValue = "none",
      description =
          "none, bias or least-squares: after selection, fold the removed units' output into the"
              + " kept ones (docs/pruning.md; default ${DEFAULT-VALUE}).")
  String compensation;

  @Option(
      names = "--compensation-fit",
      defaultValue = "sequential",
      description =
          "original, sequential or sequential-to-original: whose activations each layer is"
              + " fitted on (default ${DEFAULT-VALUE}).")
  String compensationFit;

  @Option(
      names = "--compensation-rows",
      defaultValue = "" + CompensationSettings.DEFAULT_ROWS,
      description =
          "Calibration tokens (regression rows) of the compensation (default ${DEFAULT-VALUE}).")
  int compensationRows;

  @Option(
      names = "--compensation-ridge",
      defaultValue = "" + CompensationSettings.DEFAULT_RIDGE,
      description =
          "Least-squares ridge, relative to the mean Gram diagonal (default ${DEFAULT-VALUE}).")
  double compensationRidge;

  @Option(
      names = "--compensation-mask",
      defaultValue = "0",
      description =
          "Share of each calibration sample's tokens replaced by [MASK] as the masked-LM"
              + " evaluation masks them (models with a masked-LM head only; docs/pruning.md;"
              + " default ${DEFAULT-VALUE}: unmasked).")
  double compensationMask;

  @Option(names = "--force", description = "Replace DIR if it exists.")
  boolean force;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  /** Built-in task names for help and completion. */
  static final class TaskNames implements Iterable<String> {
    public java.util.Iterator<String> iterator() {
      return Tasks.NAMES.iterator();
    }
  }

  @Override
  public Integer call() throws Exception {
    // Validate everything cheap before any long work, so bad input writes nothing.
    if (Files.exists(out) && !force) {
      throw new IllegalArgumentException("output " + out + " exists; pass --force to replace it");
    }
    boolean params = budget != null && budget.params != null;
    double keep =
        budget == null ? PruneSettings.DEFAULT_KEEP : params ? budget.params : budget.flops;
    if (batch <= 0) {
      throw new IllegalArgumentException("--batch must be > 0");
    }
    Precision profilePrecision = Precision.parse(precision, "--precision");
    profilePrecision.requireSupported("--precision");
    PruneSettings.Builder b =
        PruneSettings.builder()
            .method(Method.of(method))
            .linkage(PruneSettings.linkage(linkage))
            .lambda(lambda)
            .seed(seed)
            .tokens(tokens);
    if (params) {
      b.paramsKeep(keep);
    } else {
      b.flopsKeep(keep);
    }
    // Unset options keep the builder's defaults (the lambda split, the samples' mean length).
    if (headsKeep != null) {
      b.headsKeep(headsKeep);
    }
    if (neuronsKeep != null) {
      b.neuronsKeep(neuronsKeep);
    }
    if (seqLen != null) {
      b.seqLen(seqLen);
    }
    PruneSettings settings = b.build();
    CompensationSettings comp =
        new CompensationSettings(
            CompensationSettings.Mode.of(compensation),
            CompensationSettings.Fit.of(compensationFit),
            compensationRows,
            compensationRidge);
    if (compensationMask != 0 && comp.mode() == CompensationSettings.Mode.NONE) {
      throw new IllegalArgumentException(
          "--compensation-mask "
              + compensationMask
              + " masks the compensation's calibration tokens; it needs --compensation bias or"
              + " least-squares");
    }
    if (!(compensationMask >= 0) || compensationMask > CalibrationMask.MAX_FRACTION) {
      throw new IllegalArgumentException(
          "--compensation-mask must be in [0, "
              + CalibrationMask.MAX_FRACTION
              + "], got "
              + compensationMask);
    }
    Map<String, Double> seconds = new LinkedHashMap<>();
    ArtifactCache cache = ArtifactCache.fromEnvironment(System.getenv(), System.getProperties());

    long t0 = System.nanoTime();
    List<Sample> all =
        input.task == null
            ? SampleFiles.readJsonLines(input.samples)
            : split.equals("all")
                ? Tasks.allSamples(input.task, cache, System.err)
                : Tasks.samples(input.task, Split.parse(split), passageWords, cache, System.err);
    List<Sample> samples = SampleSelection.atMost(all, samplesMax, seed);

    TransformerModel full = ModelLoader.open(model, cache, profilePrecision);
    seconds.put("load", secs(t0));
    try (TransformerModel mdl = full) {
      if (mdl.tokenizerJson() == null) {
        throw new IllegalArgumentException(model + " has no tokenizer; import it with one");
      }
      ModelSpec spec = mdl.spec();
      ActivationFeatures features;
      Calibration cal = null;
      t0 = System.nanoTime();
      try (TextTokenizer tok = TextTokenizer.load(mdl.tokenizerJson())) {
        // Refused (no masked-LM head) before the long profile.
        CalibrationMask mask = CalibrationMask.of(spec, tok, compensationMask, seed);
        features = FeatureCollector.collect(mdl, tok, samples, tokens, seed, batch, System.err);
        if (comp.mode() != CompensationSettings.Mode.NONE) {
          cal = Compensation.calibration(tok, samples, spec, comp.rows(), mask);
        }
      }
      seconds.put("profile", secs(t0));
      PruneRun run =
          PruneRun.plan(
              spec,
              mdl.readWeights(),
              features,
              settings,
              input.task != null ? "task:" + input.task + "/" + split : input.samples.toString(),
              seconds,
              comp,
              cal);
      Map<String, Object> report = run.export(out, force, mdl.tokenizerJson());
      ModelSpec pruned = run.pruned().spec();
      int s = run.config().budget().seqLen();

      Map<String, Object> o = new LinkedHashMap<>();
      o.put("flopsKeptRequested", params ? null : keep);
      o.put("flopsKept", report.get("flopsKept"));
      if (params) {
        o.put("paramsKeptRequested", keep);
      }
      o.put("paramsBefore", report.get("paramsBefore"));
      o.put("paramsAfter", report.get("paramsAfter"));
      o.put("headsPerLayer", pruned.headsPerLayer());
      o.put("ffnPerLayer", pruned.ffnPerLayer());
      o.put("thresholds", report.get("thresholds"));
      o.put("seqLen", s);
      o.put("compensation", comp.mode().id());
      o.put("out", out.toAbsolutePath().toString());
      o.put("seconds", run.seconds());
      if (json) {
        Json.print(o);
      } else {
        System.out.printf(
            "pruned %s -> %s: FLOPs kept %.1f%% at %d tokens, parameters %,d ->"
                + " %,d%nheads per layer %s%nFFN per layer %s%nreport: %s%n",
            spec.source(),
            out,
            100 * (Double) report.get("flopsKept"),
            s,
            report.get("paramsBefore"),
            report.get("paramsAfter"),
            pruned.headsPerLayer(),
            pruned.ffnPerLayer(),
            out.resolve("pruning-report.html"));
      }
      return 0;
    }
  }

  static double secs(long t0) {
    return Math.round((System.nanoTime() - t0) / 1e7) / 100.0;
  }
}
