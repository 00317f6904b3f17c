package org.ppruning.system;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoublePredicate;
import org.ppruning.data.Sample;
import org.ppruning.data.Tasks;
import org.ppruning.demo.ModelEventWatcher;
import org.ppruning.demo.ServiceMetrics;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.ModelLoader;
import org.ppruning.local.Processes;
import org.ppruning.local.Service;
import org.ppruning.model.LayerSpec;
import org.ppruning.pruning.run.PruneRun;
import org.ppruning.pruning.run.PruneSettings;
import org.ppruning.stream.ModelEvent;
import org.ppruning.summary.FeatureCollector;
import org.ppruning.summary.Summaries;
import org.ppruning.tokenize.TextTokenizer;

/** What the system tests share: the batch path as the reference, unit comparison, metric waits. */
final class SystemFixtures {
  /** JVM option for the services: the finetuner consumes model events but trains nothing. */
  static final String NO_TRAINING = "-Dppruning.finetuner.training.enabled=false";

  static final String MODEL = "all-minilm-l6-v2";
  static final String TASK = "sentiment";

  /**
   * Batch results by sample-list identity (ids in order): the same list is profiled once per JVM.
   */
  private static final Map<List<String>, List<LayerSpec>> BATCH = new HashMap<>();

  private SystemFixtures() {}

  /** The 3,000 sentiment sentences (training and test splits) the system tests stream. */
  static List<Sample> sentimentSamples() throws java.io.IOException {
    List<Sample> samples =
        Tasks.allSamples(
            TASK,
            ArtifactCache.fromEnvironment(System.getenv(), System.getProperties()),
            System.err);
    assertEquals(3000, samples.size());
    return samples;
  }

  /**
   * The units {@code ppruning prune} keeps on these samples with the default settings (MiniLM, 50%
   * FLOPs, reference linkage, seed 42, 200 tokens): the same code as the command (FeatureCollector
   * + PruneRun), run here.
   */
  static synchronized List<LayerSpec> batchKept(List<Sample> samples) throws Exception {
    List<String> ids = samples.stream().map(Sample::id).toList();
    List<LayerSpec> hit = BATCH.get(ids);
    if (hit != null) {
      return hit;
    }
    PruneSettings settings = PruneSettings.defaults();
    try (TransformerModel m =
            ModelLoader.open(
                MODEL, ArtifactCache.fromEnvironment(System.getenv(), System.getProperties()));
        TextTokenizer tok = TextTokenizer.load(m.tokenizerJson())) {
      ActivationFeatures f =
          FeatureCollector.collect(
              m,
              tok,
              samples,
              settings.tokens(),
              settings.seed(),
              Summaries.DEFAULT_ROWS_PER_RUN,
              System.err);
      List<LayerSpec> kept =
          PruneRun.plan(m.spec(), m.readWeights(), f, settings, "batch", Map.of()).kept();
      BATCH.put(ids, kept);
      return kept;
    }
  }

  /** The kept heads and neurons (original indices) of a version folder. */
  static List<LayerSpec> versionKept(Path dir) throws java.io.IOException {
    try (TransformerModel m = TransformerModel.load(dir)) {
      return m.spec().layers();
    }
  }

  static void assertSameUnits(List<LayerSpec> expected, List<LayerSpec> actual, String what) {
    assertEquals(expected.size(), actual.size(), what + ": layers");
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(
          expected.get(i).keptHeads(), actual.get(i).keptHeads(), what + ": layer " + i + " heads");
      assertArrayEquals(
          expected.get(i).keptNeurons(),
          actual.get(i).keptNeurons(),
          what + ": layer " + i + " neurons");
    }
  }

  /** Samples with the ids prefixed, so that the same texts count as new samples. */
  static List<Sample> renamed(List<Sample> samples, String prefix) {
    List<Sample> out = new ArrayList<>();
    for (Sample s : samples) {
      out.add(new Sample(prefix + s.id(), s.text(), s.textPair(), s.label()));
    }
    return out;
  }

  /**
   * Waits until a service's metric (summed over series containing {@code label}) satisfies {@code
   * ok}.
   */
  static double awaitMetric(
      LocalSystem sys, Service s, String metric, String label, DoublePredicate ok, Duration timeout)
      throws InterruptedException {
    return awaitMetric(
        sys.http(s), s.id() + " (log " + sys.runtime().log(s) + ")", metric, label, ok, timeout);
  }

  /** {@link #awaitMetric} of the service at {@code http}, named {@code what} in the failure. */
  static double awaitMetric(
      URI http, String what, String metric, String label, DoublePredicate ok, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    double last = Double.NaN;
    while (System.nanoTime() < deadline) {
      var v = ServiceMetrics.read(http, metric, label);
      if (v.isPresent()) {
        last = v.getAsDouble();
        if (ok.test(last)) {
          return last;
        }
      }
      Thread.sleep(250);
    }
    throw new AssertionError(
        what
            + " "
            + metric
            + "{"
            + label
            + "} is "
            + last
            + " after "
            + timeout.toSeconds()
            + " s");
  }

  /** {@code kill -9} of a service; returns its pid once the process is gone (10 s at most). */
  static long kill9(LocalSystem sys, Service s) throws Exception {
    long pid = sys.status().services().get(s).pid();
    assertEquals(0, new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor());
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (Processes.commandLine(pid).isPresent()) {
      assertTrue(
          System.nanoTime() < deadline, s.id() + " pid " + pid + " still runs 10 s after kill -9");
      Thread.sleep(100);
    }
    return pid;
  }

  /** Waits for the next model event of {@code stage} for the test task. */
  static ModelEvent awaitEvent(
      ModelEventWatcher events, String what, String stage, Duration timeout)
      throws InterruptedException {
    return events.await(
        what, e -> e.stage().equals(stage) && e.task().equals(TASK), timeout, e -> {}, () -> {});
  }

  static double metric(LocalSystem sys, Service s, String metric, String label) {
    return ServiceMetrics.read(sys.http(s), metric, label).orElse(0);
  }

  static Path folder(String uri) {
    Path p = Path.of(URI.create(uri));
    assertTrue(p.isAbsolute(), uri);
    return p;
  }

  static final String TASK_LABEL = "task=\"" + TASK + "\"";
}
