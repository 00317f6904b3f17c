package org.ppruning.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ppruning.data.Split;
import org.ppruning.data.SplitData;
import org.ppruning.data.Tasks;
import org.ppruning.data.TextDocument;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.Activation;
import org.ppruning.model.Architecture;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TaskHead;
import org.ppruning.model.TokenizerSpec;
import org.ppruning.model.Weights;
import org.ppruning.tokenize.TextTokenizer;
import org.ppruning.tokenize.Tokenizers;
import org.ppruning.train.Evaluation;
import org.ppruning.train.Examples;
import org.ppruning.train.Pretrainer;
import org.ppruning.train.TaskExamples;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ppruning pretrain}: a small GPT-2-shaped model trained from scratch (no GPT-2 weights are
 * published in the registries ppruning uses), named self-trained in its spec.
 */
@Command(
    name = "pretrain",
    description =
        "Train a small GPT-2-shaped model from scratch with the"
            + " real GPT-2 BPE tokenizer on a built-in corpus's train split; reports held-out perplexity"
            + " against an add-one unigram baseline. The model is marked self-trained everywhere.")
final class PretrainCommand implements Callable<Integer> {
  @Option(names = "--arch", defaultValue = "gpt2", description = "Only gpt2.")
  String arch;

  @Option(names = "--corpus", defaultValue = "sotu", description = "sotu or moby-dick.")
  String corpus;

  @Option(names = "--layers", defaultValue = "4")
  int layers;

  @Option(names = "--hidden", defaultValue = "256")
  int hidden;

  @Option(names = "--heads", defaultValue = "4")
  int heads;

  @Option(names = "--ffn", defaultValue = "1024")
  int ffn;

  @Option(
      names = "--seq-len",
      defaultValue = "128",
      description = "Training row length and the model's positions.")
  int seqLen;

  @Option(names = "--steps", defaultValue = "600")
  int steps;

  @Option(names = "--lr", defaultValue = "1e-3")
  float lr;

  @Option(names = "--batch", defaultValue = "16")
  int batch;

  @Option(names = "--seed", defaultValue = "42")
  long seed;

  @Option(names = "--warmup", defaultValue = "0.05")
  float warmup;

  @Option(names = "--weight-decay", defaultValue = "0.01")
  float weightDecay;

  @Option(names = "--dropout", defaultValue = "0.0")
  float dropout;

  @Option(
      names = "--eval-split",
      defaultValue = "test",
      description = "Held-out split for the reported perplexity: dev or test.")
  String evalSplit;

  @Option(
      names = "--eval-rows",
      description =
          "Score only the first N rows of the held-out"
              + " split (a contiguous stretch of its text; default: all).")
  Integer evalRows;

  @Option(names = "--out", required = true, paramLabel = "DIR")
  Path out;

  @Option(names = "--force", description = "Replace DIR if it exists.")
  boolean force;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (Files.exists(out) && !force) {
      throw new IllegalArgumentException("output " + out + " exists; pass --force to replace it");
    }
    if (!arch.equals("gpt2")) {
      throw new IllegalArgumentException("--arch must be gpt2, got '" + arch + "'");
    }
    if (!Tasks.NAMES.contains(corpus) || !Tasks.task(corpus).kind().isLanguageModelling()) {
      throw new IllegalArgumentException(
          "--corpus must be a built-in language-modelling task"
              + " (sotu, moby-dick), got '"
              + corpus
              + "'");
    }
    Split held = Split.parse(evalSplit);
    if (held == Split.TRAIN) {
      throw new IllegalArgumentException("--eval-split must be dev or test (held-out text)");
    }
    Pretrainer.Config config =
        new Pretrainer.Config(steps, lr, batch, seed, warmup, weightDecay, dropout);
    ArtifactCache cache = ArtifactCache.fromEnvironment(System.getenv(), System.getProperties());
    Path tokJson = Tokenizers.gpt2Json(cache, System.err);
    SplitData<TextDocument> docs = Tasks.documents(corpus, cache, System.err);
    long t0 = System.nanoTime();
    try (TextTokenizer tok = TextTokenizer.load(tokJson)) {
      String source =
          "self-trained: GPT-2-shaped, trained from scratch by ppruning pretrain on "
              + corpus
              + " (train split); not OpenAI's GPT-2";
      ModelSpec base =
          ModelSpec.unpruned(
              Architecture.GPT2,
              tok.vocabSize(),
              hidden,
              layers,
              heads,
              ffn,
              seqLen,
              0,
              Activation.GELU_TANH,
              1e-5,
              false,
              false,
              source,
              new TokenizerSpec("bpe", false));
      ModelSpec spec = base.withHead(TaskHead.of(TaskHead.CAUSAL_LM, corpus));
      Examples.Tokens train = TaskExamples.language(tok, spec, docs.train(), seqLen, seed);
      Examples.Tokens heldOut = TaskExamples.language(tok, spec, docs.get(held), seqLen, seed);
      if (evalRows != null) {
        heldOut = (Examples.Tokens) heldOut.first(evalRows);
      }
      System.err.printf(
          "pretrain: %s train %d rows (%,d predicted tokens), %s %d rows (%,d)%n",
          corpus,
          train.size(),
          train.predictedTokens(),
          held.id(),
          heldOut.size(),
          heldOut.predictedTokens());
      Weights init = Pretrainer.initGpt2(spec, seed);
      Pretrainer.Result r = Pretrainer.run(spec, init, train, config, System.err);
      Map<String, Double> metrics = Evaluation.evaluate(spec, r.weights(), heldOut, batch);
      double unigram =
          Evaluation.unigramPerplexity(train.allTargets(), heldOut.allTargets(), spec.vocabSize());
      Map<String, Object> meta = new LinkedHashMap<>();
      meta.put("selfTrained", true);
      meta.put("corpus", corpus);
      meta.put("steps", r.steps());
      meta.put("batch", batch);
      meta.put("seqLen", seqLen);
      meta.put("lr", lr);
      meta.put("seed", seed);
      meta.put("trainTokens", train.predictedTokens());
      meta.put(
          "heldOut",
          Map.of(
              "split",
              held.id(),
              "tokens",
              heldOut.predictedTokens(),
              "perplexity",
              metrics.get("perplexity"),
              "unigramPerplexity",
              unigram));
      ModelSpec outSpec = base.withMetadata("pretrain", meta);
      try (TransformerModel m = TransformerModel.build(outSpec, r.weights(), tokJson)) {
        m.export(out, force);
      }
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("model", "self-trained gpt2-shaped");
      o.put("perplexity", metrics.get("perplexity"));
      o.put("unigramPerplexity", unigram);
      o.put("top1Accuracy", metrics.get("top1_accuracy"));
      o.put("split", held.id());
      o.put("heldOutTokens", heldOut.predictedTokens());
      o.put("trainTokens", train.predictedTokens());
      o.put("steps", r.steps());
      o.put("secondsPerStep", r.secondsPerStep());
      o.put("lossCurve", r.lossCurve());
      o.put("params", r.weights().parameterCount());
      o.put("seconds", (System.nanoTime() - t0) / 1e9);
      o.put("out", out.toAbsolutePath().toString());
      if (r.failure() != null) {
        o.put("error", r.failure());
      }
      if (json) {
        Json.print(o);
      } else {
        System.out.printf(
            "self-trained gpt2-shaped model (%,d parameters) -> %s: %d steps, %.3f"
                + " s/step; %s perplexity %.1f (unigram baseline %.1f)%n",
            r.weights().parameterCount(),
            out,
            r.steps(),
            r.secondsPerStep(),
            held.id(),
            metrics.get("perplexity"),
            unigram);
      }
      if (r.failure() != null) {
        System.err.println("ppruning pretrain: " + r.failure() + "; written to " + out);
        return 1;
      }
      return 0;
    }
  }
}
