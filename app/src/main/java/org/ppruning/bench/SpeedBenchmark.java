package org.ppruning.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.ppruning.cli.Main;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.Precision;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.ModelLoader;
import org.ppruning.model.CostModel;

/**
 * Inference speed of full and P-pruned models, fp32 and bf16 (run by {@code bench/speed}): every
 * cell (model x FLOPs budget x precision x batch x output) is loaded once, then timed in rounds
 * that visit every cell in turn, so that a slow spell of the shared machine hits all cells alike.
 * Inputs are seeded random ids, {@code seq} tokens, no padding. Output {@code encoder} fetches only
 * {@code sequence_output}; {@code served} fetches the whole {@code serving_default} signature (for
 * a catalog BERT the MLM logits, [B, T, 30522]) copied into Java arrays, as serving does.
 *
 * <p>Pruned models are made once with {@code ppruning prune --task sentiment --flops-keep K} (the
 * defaults: P-pruning, no compensation; speed depends only on the widths) and kept in {@code
 * cache}/MODEL-flopsK.
 *
 * <p>Arguments, {@code key=value}: models (bert-base-uncased,all-minilm-l6-v2), keeps (1,0.7,0.5),
 * precisions (fp32,bf16), batches (1,32), outputs (encoder,served), rounds (5), seq (128), cache
 * (~/.cache/ppruning/bench-speed), trace (no; yes: after the table, one traced call per encoder
 * cell and its time per op type, {@link OpProfile}). A batch-1 cell runs 8 calls per round, a
 * larger one 1 call.
 */
public final class SpeedBenchmark {
  private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

  static {
    DEFAULTS.put("models", "bert-base-uncased,all-minilm-l6-v2");
    DEFAULTS.put("keeps", "1,0.7,0.5");
    DEFAULTS.put("precisions", "fp32,bf16");
    DEFAULTS.put("batches", "1,32");
    DEFAULTS.put("outputs", "encoder,served");
    DEFAULTS.put("rounds", "5");
    DEFAULTS.put("seq", "128");
    DEFAULTS.put("trace", "no");
    DEFAULTS.put(
        "cache",
        Path.of(System.getProperty("user.home"), ".cache/ppruning/bench-speed").toString());
  }

  private SpeedBenchmark() {}

  /** One timed configuration and its samples (ms). */
  private record Cell(
      String model,
      String keep,
      double flopsKept,
      Precision precision,
      int batch,
      String output,
      TransformerModel m,
      TokenBatch input,
      List<String> fetch,
      List<Double> ms) {
    String key(String keepOverride, Precision p) {
      return String.join("|", model, keepOverride, p.id(), "" + batch, output);
    }
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> o = options(args);
    int rounds = Integer.parseInt(o.get("rounds"));
    if (rounds < 1) {
      throw new IllegalArgumentException("rounds=" + rounds + ": at least 1 round is needed");
    }
    int seq = Integer.parseInt(o.get("seq"));
    Path cacheDir = Path.of(o.get("cache"));
    List<Precision> precisions = new ArrayList<>();
    for (String p : list(o.get("precisions"))) {
      precisions.add(Precision.parse(p, "precisions"));
    }
    String onednn = System.getenv(Precision.ONEDNN_ENV);
    System.out.printf(
        "%s=%s; bf16 rewrite applied in this process: %s; %d rounds, %d tokens%n",
        Precision.ONEDNN_ENV,
        onednn == null ? "(unset)" : onednn,
        Precision.bf16Rewrites(),
        rounds,
        seq);
    if (precisions.contains(Precision.BF16) && !Precision.bf16Rewrites()) {
      try {
        Precision.BF16.requireSupported("precisions");
      } catch (IllegalStateException e) {
        System.out.println("bf16 cells left out: " + e.getMessage());
      }
      precisions.remove(Precision.BF16);
    }
    ArtifactCache cache = ArtifactCache.fromEnvironment(System.getenv(), System.getProperties());
    List<Cell> cells = new ArrayList<>();
    List<AutoCloseable> open = new ArrayList<>();
    try {
      for (String model : list(o.get("models"))) {
        for (String keep : list(o.get("keeps"))) {
          String source = Double.parseDouble(keep) >= 1 ? model : pruned(cacheDir, model, keep);
          for (Precision p : precisions) {
            long t0 = System.nanoTime();
            TransformerModel m = ModelLoader.open(source, cache, p);
            open.add(m);
            System.err.printf(
                "loaded %s %s %s in %.1f s%n", model, keep, p.id(), (System.nanoTime() - t0) / 1e9);
            var spec = m.spec();
            long fullFlops =
                spec.numLayers()
                    * (spec.originalHeads() * CostModel.headFlops(spec, seq)
                        + spec.originalFfn() * CostModel.neuronFlops(spec, seq));
            long flops = CostModel.encoderFlops(spec, seq);
            for (String b : list(o.get("batches"))) {
              int batch = Integer.parseInt(b);
              TokenBatch input = randomIds(m.spec().vocabSize(), batch, seq, 42 + batch);
              for (String out : list(o.get("outputs"))) {
                List<String> fetch =
                    switch (out) {
                      case "encoder" -> List.of("sequence_output");
                      case "served" -> new ArrayList<>(m.servingOutputs());
                      default ->
                          throw new IllegalArgumentException(
                              "outputs: '" + out + "' is not one of encoder, served");
                    };
                cells.add(
                    new Cell(
                        model,
                        keep,
                        flops / (double) fullFlops,
                        p,
                        batch,
                        out,
                        m,
                        input,
                        fetch,
                        new ArrayList<>()));
              }
            }
          }
        }
      }
      for (Cell c : cells) { // warm-up: the first call optimises the graph (grappler)
        c.m().serve(c.input(), c.fetch());
      }
      for (int r = 0; r < rounds; r++) {
        for (Cell c : cells) {
          for (int i = 0; i < (c.batch() == 1 ? 8 : 1); i++) {
            long t0 = System.nanoTime();
            c.m().serve(c.input(), c.fetch());
            c.ms().add((System.nanoTime() - t0) / 1e6);
          }
        }
        System.err.printf("round %d/%d done%n", r + 1, rounds);
      }
      table(cells, list(o.get("keeps")).get(0));
      if (o.get("trace").equals("yes")) {
        for (Cell c : cells) {
          if (c.output().equals("encoder")) {
            OpProfile.print(
                c.model()
                    + " "
                    + c.keep()
                    + " "
                    + c.precision().id()
                    + " "
                    + c.batch()
                    + " x "
                    + seq,
                c.m(),
                c.input());
          }
        }
      }
    } finally {
      for (AutoCloseable c : open) {
        c.close();
      }
    }
  }

  private static void table(List<Cell> cells, String fullKeep) {
    Map<String, Double> p50 = new LinkedHashMap<>();
    for (Cell c : cells) {
      p50.put(c.key(c.keep(), c.precision()), median(c.ms()));
    }
    System.out.println();
    System.out.println(
        "| model | FLOPs kept | precision | batch x tokens | output | p50 ms | mean ms | calls |"
            + " pruned/full (p50) | bf16/fp32 (p50) |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|");
    for (Cell c : cells) {
      double med = p50.get(c.key(c.keep(), c.precision()));
      Double full = p50.get(c.key(fullKeep, c.precision()));
      Double fp32 = p50.get(c.key(c.keep(), Precision.FP32));
      System.out.printf(
          "| %s | %.2f | %s | %d x %d | %s | %.1f | %.1f | %d | %s | %s |%n",
          c.model(),
          c.flopsKept(),
          c.precision().id(),
          c.batch(),
          c.input().seqLen(),
          c.output(),
          med,
          c.ms().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN),
          c.ms().size(),
          c.keep().equals(fullKeep) || full == null ? "-" : String.format("%.2f", med / full),
          c.precision() == Precision.FP32 || fp32 == null
              ? "-"
              : String.format("%.2f", med / fp32));
    }
  }

  /** The P-pruned model at {@code keep}, made once with {@code ppruning prune}. */
  private static String pruned(Path cacheDir, String model, String keep) {
    Path dir = cacheDir.resolve(model + "-flops" + keep);
    if (!Files.isRegularFile(dir.resolve("saved_model.pb"))) {
      System.err.printf("pruning %s to %s FLOPs into %s ...%n", model, keep, dir);
      PrintStream out = System.out;
      System.setOut(System.err); // prune's report is not part of the table
      int rc;
      try {
        rc =
            Main.run(
                "prune",
                "--model",
                model,
                "--task",
                "sentiment",
                "--flops-keep",
                keep,
                "--out",
                dir.toString(),
                "--force");
      } finally {
        System.setOut(out);
      }
      if (rc != 0) {
        throw new IllegalStateException("ppruning prune exited " + rc + " for " + dir);
      }
    }
    return dir.toString();
  }

  /** Seeded random ids in [1, vocab), no padding, token type 0. */
  static TokenBatch randomIds(int vocab, int batch, int seq, long seed) {
    Random r = new Random(seed);
    int[] ids = new int[batch * seq];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = 1 + r.nextInt(vocab - 1);
    }
    int[] mask = new int[ids.length];
    Arrays.fill(mask, 1);
    return new TokenBatch(batch, seq, ids, mask, new int[ids.length]);
  }

  private static double median(List<Double> xs) {
    double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static List<String> list(String v) {
    return Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> o = new LinkedHashMap<>(DEFAULTS);
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq < 0 || !DEFAULTS.containsKey(a.substring(0, eq))) {
        throw new IllegalArgumentException(
            "argument '" + a + "': expected key=value with key one of " + DEFAULTS.keySet());
      }
      o.put(a.substring(0, eq), a.substring(eq + 1));
    }
    return o;
  }
}
