package org.ppruning.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.ppruning.data.Sample;
import org.ppruning.data.SplitData;
import org.ppruning.data.Task;
import org.ppruning.data.Tasks;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.Imported;
import org.ppruning.importer.ModelSource;
import org.ppruning.model.CostModel;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TaskHead;
import org.ppruning.model.UnitRemoval;
import org.ppruning.model.Weights;
import org.ppruning.pruning.Budget;
import org.ppruning.pruning.Rewrite;
import org.ppruning.pruning.clustering.LinkageMode;
import org.ppruning.pruning.run.Method;
import org.ppruning.pruning.run.PPruning;
import org.ppruning.pruning.run.SampleSelection;
import org.ppruning.summary.FeatureCollector;
import org.ppruning.summary.Summaries;
import org.ppruning.tokenize.TextTokenizer;
import org.ppruning.train.AdamW;
import org.ppruning.train.Trainer;
import org.ppruning.train.TrainingGraph;

/**
 * Seconds per fine-tuning step, unpruned vs P-pruned (run by {@code bench/train-step}): prunes the
 * model to the FLOPs budget with the {@code prune} defaults (sentiment train split, reference
 * linkage), then times training steps of both models on the same batches of real sentiment text,
 * whole sentences packed into rows of exactly LEN tokens. Steps alternate between the two models so
 * that load from other processes hits both alike; the medians of wall and of process CPU seconds
 * are compared.
 *
 * <p>Arguments: MODEL (all-minilm-l6-v2), FLOPS_KEEP (0.5), LENS (128,64), WARMUP (3), STEPS (10).
 */
public final class TrainStepBenchmark {
  private static final long SEED = 42;
  private static final int BATCH = 32;
  private static final com.sun.management.OperatingSystemMXBean CPU =
      (com.sun.management.OperatingSystemMXBean)
          java.lang.management.ManagementFactory.getOperatingSystemMXBean();

  public static void main(String[] args) throws Exception {
    String name = args.length > 0 ? args[0] : "all-minilm-l6-v2";
    double keep = args.length > 1 ? Double.parseDouble(args[1]) : 0.5;
    int[] lens =
        args.length > 2
            ? Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray()
            : new int[] {128, 64};
    int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    int steps = args.length > 4 ? Integer.parseInt(args[4]) : 10;
    ArtifactCache cache = ArtifactCache.fromEnvironment(System.getenv(), System.getProperties());
    SplitData<Sample> data = Tasks.splits("sentiment", cache, System.err);
    Task task = Tasks.task("sentiment");
    ModelSource src = ModelSource.resolve(name, cache, System.err);
    Imported imp = src.load(System.err);
    ModelSpec spec = imp.spec();
    Weights w = imp.weights();
    try (TextTokenizer tok = TextTokenizer.load(imp.tokenizerJson())) {
      ActivationFeatures f;
      try (TransformerModel m = TransformerModel.build(spec, w, imp.tokenizerJson())) {
        f =
            FeatureCollector.collect(
                m,
                tok,
                SampleSelection.atMost(data.train(), 3000, SEED),
                200,
                SEED,
                Summaries.DEFAULT_ROWS_PER_RUN,
                System.err);
      }
      int seqLen = (int) Math.round(f.meanLength());
      PPruning.Result r =
          PPruning.plan(
              spec,
              w,
              f,
              new PPruning.Config(
                  Method.P_PRUNING,
                  LinkageMode.REFERENCE,
                  new Budget(Budget.Kind.FLOPS, keep, 5, null, null, seqLen),
                  SEED));
      UnitRemoval.Pruned p = Rewrite.apply(spec, w, r.plan(), Map.of("method", "p-pruning"));
      System.out.printf(
          "%s: params %,d -> %,d, encoder FLOPs kept %.3f (at %d tokens), heads %s," + " FFN %s%n",
          name,
          CostModel.totalParams(spec),
          CostModel.totalParams(p.spec()),
          CostModel.encoderFlops(p.spec(), seqLen) / (double) CostModel.encoderFlops(spec, seqLen),
          seqLen,
          p.spec().headsPerLayer(),
          p.spec().ffnPerLayer());

      TaskHead head = new TaskHead(TaskHead.CLASSIFICATION, task.labels(), "sentiment");
      ModelSpec fullSpec = spec.withHead(head);
      ModelSpec smallSpec = p.spec().withHead(head);
      for (int len : lens) {
        List<TokenBatch> batches = new ArrayList<>();
        List<int[]> labels = new ArrayList<>();
        packBatches(tok, data.train(), task.labels(), len, warmup + steps, batches, labels);
        try (TrainingGraph full = graph(fullSpec, spec, w);
            TrainingGraph small = graph(smallSpec, p.spec(), p.weights())) {
          double[][] tf = new double[2][steps];
          double[][] ts = new double[2][steps];
          for (int s = 0; s < warmup + steps; s++) {
            double[] a = time(full, batches.get(s), labels.get(s), s + 1);
            double[] b = time(small, batches.get(s), labels.get(s), s + 1);
            if (s >= warmup) {
              for (int k = 0; k < 2; k++) {
                tf[k][s - warmup] = a[k];
                ts[k][s - warmup] = b[k];
              }
            }
          }
          System.out.printf(
              "batch %d x %d, %d warm-up + %d timed steps each (alternating):%n",
              BATCH, len, warmup, steps);
          String[] kind = {"wall", "CPU"};
          for (int k = 0; k < 2; k++) {
            double mf = median(tf[k]);
            double ms = median(ts[k]);
            System.out.printf(
                "  %-4s unpruned median %.3f s/step %s%n  %-4s pruned   median %.3f"
                    + " s/step %s%n  %-4s ratio pruned/unpruned %.2f%n",
                kind[k], mf, fmt(tf[k]), kind[k], ms, fmt(ts[k]), kind[k], ms / mf);
          }
        }
      }
    }
  }

  private static TrainingGraph graph(ModelSpec withHead, ModelSpec pre, Weights w) {
    Weights init = Trainer.addHead(pre, w, withHead, SEED);
    return new TrainingGraph(withHead, init, 0.1f, 1.0f, new AdamW(0.9f, 0.999f, 1e-6f, 0.01f));
  }

  /**
   * Wall and process CPU seconds of one step. CPU time (all threads, TensorFlow's included) is what
   * the step costs; it varies far less than wall time when other processes share the cores.
   */
  private static double[] time(TrainingGraph g, TokenBatch b, int[] labels, int step) {
    long c0 = CPU.getProcessCpuTime();
    long t0 = System.nanoTime();
    TrainingGraph.StepResult r = g.step(b, labels, 5e-5f, step, SEED + step);
    double wall = (System.nanoTime() - t0) / 1e9;
    double cpu = (CPU.getProcessCpuTime() - c0) / 1e9;
    if (!Float.isFinite(r.loss())) {
      throw new IllegalStateException("loss " + r.loss() + " at step " + step);
    }
    return new double[] {wall, cpu};
  }

  /**
   * Rows of exactly {@code len} tokens: [CLS], whole consecutive training sentences (their tokens
   * without [CLS]/[SEP]), [SEP], padding (masked) only where the next sentence does not fit. The
   * row's label is its first sentence's.
   */
  static void packBatches(
      TextTokenizer tok,
      List<Sample> train,
      List<String> labelSet,
      int len,
      int count,
      List<TokenBatch> batches,
      List<int[]> labels) {
    int next = 0;
    int[] skipped = {0};
    for (int b = 0; b < count; b++) {
      int[] ids = new int[BATCH * len];
      int[] mask = new int[BATCH * len];
      int[] lab = new int[BATCH];
      Arrays.fill(ids, tok.padId());
      for (int row = 0; row < BATCH; row++) {
        int at = row * len;
        ids[at++] = tok.tokenId("[CLS]");
        while (tok.ids(train.get(next % train.size()).text()).length > len) {
          skipped[0]++;
          next++;
        }
        lab[row] = labelSet.indexOf(train.get(next % train.size()).label());
        while (true) {
          long[] x = tok.ids(train.get(next % train.size()).text()); // [CLS] ... [SEP]
          int body = x.length - 2;
          if (body + 2 > len) {
            skipped[0]++; // longer than a whole row: not part of any batch
            next++;
            continue;
          }
          if (at + body + 1 > (row + 1) * len) {
            break;
          }
          for (int j = 1; j <= body; j++) {
            ids[at++] = (int) x[j];
          }
          next++;
        }
        ids[at++] = tok.tokenId("[SEP]");
        Arrays.fill(mask, row * len, at, 1);
      }
      batches.add(new TokenBatch(BATCH, len, ids, mask, new int[BATCH * len]));
      labels.add(lab);
    }
    int real = 0;
    for (TokenBatch b : batches) {
      real += b.tokenCount();
    }
    System.out.printf(
        "batches of %d x %d: %d sentences packed, %.1f%% of positions real tokens,"
            + " %d sentences longer than a row left out%n",
        BATCH, len, next - skipped[0], 100.0 * real / (count * BATCH * len), skipped[0]);
  }

  private static double median(double[] x) {
    double[] s = x.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static String fmt(double[] x) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < x.length; i++) {
      b.append(i == 0 ? "" : ", ").append(String.format("%.2f", x[i]));
    }
    return b.append("]").toString();
  }
}
