package org.ppruning.pruner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.data.Sample;
import org.ppruning.data.Tasks;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.Imported;
import org.ppruning.pruning.run.PruneRun;
import org.ppruning.pruning.run.PruneSettings;
import org.ppruning.stream.KeptUnits;
import org.ppruning.stream.ModelEvent;
import org.ppruning.stream.RepositoryAssertions;
import org.ppruning.summary.FeatureCollector;
import org.ppruning.summary.ProfileBatch;
import org.ppruning.summary.Summaries;
import org.ppruning.summary.SummaryBuilder;
import org.ppruning.summary.TokenizedSample;
import org.ppruning.summary.proto.ActivationSummary;
import org.ppruning.summary.proto.SummaryConfig;
import org.ppruning.testing.Positions;
import org.ppruning.testing.RealModels;
import org.ppruning.testing.ServiceProcess;
import org.ppruning.tokenize.TextTokenizer;

/**
 * Real MiniLM and the 3,000 sentiment sentences streamed through the packaged pruner with its
 * defaults: the first version keeps exactly the units of {@code ppruning prune --model
 * all-minilm-l6-v2 --task sentiment --split all} (same samples, seed and settings).
 */
@Tag("real")
class PrunerRealIT {
  static final String TASK = "sentiment";
  @TempDir Path tmp;

  @Test
  void miniLmOnThreeThousandSentencesKeepsTheBatchCommandsUnits() throws Exception {
    Imported imp = RealModels.source("all-minilm-l6-v2").load(System.err);
    List<Sample> samples =
        Tasks.allSamples(
            TASK,
            ArtifactCache.fromEnvironment(System.getenv(), System.getProperties()),
            System.err);
    assertEquals(3000, samples.size());
    String topic = "it.real.summaries." + UUID.randomUUID();
    PrunerServiceIT.createTopic(topic);
    // Everything else at its default: all-minilm-l6-v2, 50% FLOPs, reference linkage, seed 42,
    // 200 tokens, min-samples 3000, min-change 0.05.
    Map<String, String> s = settings(tmp.resolve("a"), topic, "a");
    // A second pruner on the same stream that starts earlier and re-clusters every 500 samples.
    Map<String, String> early = settings(tmp.resolve("b"), topic, "b");
    early.put("min-samples", "2000");
    early.put("every-samples", "500");
    try (TransformerModel m =
            TransformerModel.build(imp.spec(), imp.weights(), imp.tokenizerJson());
        TextTokenizer tok = TextTokenizer.load(imp.tokenizerJson());
        ServiceProcess app = PrunerServiceIT.start(s, Path.of("target/it-logs/" + topic + ".log"));
        ServiceProcess b =
            PrunerServiceIT.start(early, Path.of("target/it-logs/" + topic + "-b.log"))) {
      PruneSettings defaults = PruneSettings.defaults();
      SummaryConfig c = Summaries.config(TASK, m.spec(), defaults.seed(), defaults.tokens());
      SummaryBuilder builder = new SummaryBuilder(c, SummaryBuilder.DEFAULT_MAX_BYTES);
      List<TokenizedSample> tokenized = new ArrayList<>();
      for (Sample x : samples) {
        var t = tok.encode(List.of(x.text()), null, m.spec().maxPositions());
        tokenized.add(new TokenizedSample(x.id(), t.inputIds(), t.tokenTypeIds()));
      }
      long t0 = System.nanoTime();
      long bytes = 0;
      int records = 0;
      for (int from = 0; from < tokenized.size(); from += 50) { // profiler polls of 50
        List<ActivationSummary> poll =
            Positions.of(
                builder.profile(
                    m, ProfileBatch.group(tokenized.subList(from, from + 50), c, tok.padId())));
        PrunerServiceIT.produce(topic, poll, TASK);
        records += poll.size();
        bytes += poll.stream().mapToLong(ActivationSummary::getSerializedSize).sum();
      }
      System.err.printf(
          "streamed %d summaries (%,d bytes) in %.1f s%n",
          records, bytes, (System.nanoTime() - t0) / 1e9);
      List<ModelEvent> events =
          PrunerServiceIT.awaitEvents(topic + ".models", 1, app, Duration.ofMinutes(20), TASK);
      ModelEvent v1 = events.get(0);
      System.err.println("event: " + new String(v1.toJson()));
      assertEquals(1, v1.version());
      assertEquals(3000, v1.samples());
      double secs =
          app.metric("ppruning_pruner_recluster_last_duration_seconds", "task=\"" + TASK + "\"");
      Path dir = Path.of(URI.create(v1.path()));
      assertEquals(tmp.resolve("a").resolve("models").resolve(TASK).resolve("1"), dir);
      long size;
      try (Stream<Path> files = Files.walk(dir)) {
        size = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
      }
      System.err.printf(
          "re-clustering + writing version 1 took %.1f s; version 1 is %,d bytes,"
              + " FLOPs kept %.4f, params kept %.4f, widths %s%n",
          secs, size, v1.flopsKept(), v1.paramsKept(), v1.layers());

      // The batch command's path on the same samples, seed and settings.
      t0 = System.nanoTime();
      ActivationFeatures batch =
          FeatureCollector.collect(
              m,
              tok,
              samples,
              defaults.tokens(),
              defaults.seed(),
              Summaries.DEFAULT_ROWS_PER_RUN,
              System.err);
      PruneRun run =
          PruneRun.plan(m.spec(), m.readWeights(), batch, defaults, "task:sentiment/all", Map.of());
      System.err.printf(
          "batch path: %.1f s, plan stages %s%n", (System.nanoTime() - t0) / 1e9, run.seconds());
      try (TransformerModel loaded = TransformerModel.load(dir)) {
        RepositoryAssertions.assertSameUnits(
            run.kept(), loaded.spec().layers(), "streamed version 1 vs batch");
        assertTrue(
            loaded.spec().layers().stream().mapToInt(l -> l.ffn()).sum() < 6 * 1536,
            "neurons were pruned");
      }
      assertEquals(
          3000, PrunerServiceIT.awaitSamples(app, TASK, n -> n >= 3000, Duration.ofSeconds(10)));

      // The early pruner: re-clustered at 2000, 2500 and 3000 samples; a version whenever more
      // than 5% of the kept units changed; at 3000 the same units as the batch path.
      long end = System.nanoTime() + Duration.ofMinutes(15).toNanos();
      while (b.metric("ppruning_pruner_recluster_seconds_count", "task=\"" + TASK + "\"") < 3
          && System.nanoTime() < end) {
        ServiceProcess.sleep(1000);
      }
      Matcher mt =
          Pattern.compile(
                  "re-clustered sentiment at (\\d+) samples in ([0-9.]+) s:"
                      + " change ([0-9.]+), (wrote version|no new version)")
              .matcher(Files.readString(b.log()));
      List<String> at = new ArrayList<>();
      int written = 0;
      double lastChange = -1;
      while (mt.find()) {
        at.add(mt.group(1));
        lastChange = Double.parseDouble(mt.group(3));
        boolean wrote = mt.group(4).equals("wrote version");
        written += wrote ? 1 : 0;
        assertEquals(
            at.size() == 1 || lastChange > 0.05, wrote, "written iff changed > 5%: " + mt.group());
        System.err.println("early pruner: " + mt.group());
      }
      assertEquals(List.of("2000", "2500", "3000"), at, "re-clusterings");
      Path bRepo = tmp.resolve("b").resolve("models").resolve(TASK);
      assertEquals(written, PrunerServiceIT.events(topic + ".b.models", TASK).size());
      try (TransformerModel latest = TransformerModel.load(bRepo.resolve("" + written))) {
        if (lastChange > 0.05) {
          RepositoryAssertions.assertSameUnits(
              run.kept(),
              latest.spec().layers(),
              "early pruner's version at 3000 samples vs batch");
        } else {
          assertTrue(
              KeptUnits.change(latest.spec().layers(), run.kept()) <= 0.05,
              "the batch units are within min-change of the early pruner's latest version");
        }
      }
    }
  }

  Map<String, String> settings(Path work, String topic, String name) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("work-dir", work.toString());
    s.put("repository", work.resolve("models").toString());
    s.put("state-dir", work.resolve("state").toString());
    s.put("kafka.topics.summaries", topic);
    s.put("kafka.topics.models", topic + (name.equals("a") ? "" : "." + name) + ".models");
    s.put("kafka.group", "it-" + name + "-" + topic);
    s.put("kafka.partitions", "1");
    return s;
  }
}
