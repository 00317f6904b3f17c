package org.ppruning.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import org.ppruning.catalog.ModelCatalog;
import org.ppruning.data.Sample;
import org.ppruning.data.Tasks;
import org.ppruning.features.TokenSampler;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TransformerModel;
import org.ppruning.importer.Imported;
import org.ppruning.importer.ModelSource;
import org.ppruning.pruning.run.PruneSettings;
import org.ppruning.stream.ModelRepository;
import org.ppruning.stream.PrunerCheckpoint;
import org.ppruning.stream.PrunerEngine;
import org.ppruning.summary.ProfileBatch;
import org.ppruning.summary.SampleEncoding;
import org.ppruning.summary.Summaries;
import org.ppruning.summary.SummaryBuilder;
import org.ppruning.summary.TokenizedSample;
import org.ppruning.summary.proto.ActivationSummary;
import org.ppruning.summary.proto.KeyRange;
import org.ppruning.summary.proto.Statistics;
import org.ppruning.summary.proto.SummaryConfig;
import org.ppruning.summary.proto.TokenKey;
import org.ppruning.summary.proto.TokenRow;
import org.ppruning.tokenize.TextTokenizer;

/**
 * The pruner's state size against the stream's length (run by {@code bench/pruner-state}): feeds a
 * {@link PrunerEngine} the summaries profilers would send for 3,000, then 30,000, then 300,000
 * samples and prints, after each stage, the checkpoint's size and the heap used after GC.
 *
 * <p>The summaries: MiniLM profiles {@code TEMPLATES} batches of the sentiment task's real
 * sentences once (as the profiler does: {@link SummaryBuilder}, k = 200, 512 KiB records). Every
 * batch fed is one of them re-emitted as new samples: new sample ids (so new token keys, hashed as
 * a profiler hashes them), new offsets in one of {@code PARTITIONS} samples topic partitions, its
 * real statistics and token rows. As a profiler told the pruner's k-th key does, a batch sends only
 * the rows below the stream's k-th key, chunked under the record bound; a re-emitted batch carries
 * only its template's sampled rows (the template's other tokens count as having larger keys). Every
 * tenth batch is delivered twice (a replay), which must be recognised.
 */
public final class PrunerStateBenchmark {
  private static final String TASK = "sentiment";
  private static final Comparator<TokenKey> KEY_ORDER =
      (a, b) ->
          TokenSampler.compare(
              a.getHash(),
              a.getSampleId(),
              a.getPosition(),
              b.getHash(),
              b.getSampleId(),
              b.getPosition());

  /** One profiled batch: its statistics, sample count, and sampled rows. */
  private record Template(Statistics statistics, List<String> ids, List<TokenRow> rows) {}

  public static void main(String[] args) throws Exception {
    int batch = args.length > 0 ? Integer.parseInt(args[0]) : 64;
    int templates = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    int partitions = args.length > 2 ? Integer.parseInt(args[2]) : 6;
    long[] stages = {3_000, 30_000, 300_000};
    ArtifactCache cache = ArtifactCache.fromEnvironment(System.getenv(), System.getProperties());
    List<Sample> samples = Tasks.allSamples(TASK, cache, System.err);
    ModelSource src = ModelSource.fetch(ModelCatalog.get("all-minilm-l6-v2"), cache, System.err);
    Imported imp = src.load(System.err);
    SummaryConfig c =
        Summaries.config(
            TASK, imp.spec(), PruneSettings.DEFAULT_SEED, PruneSettings.DEFAULT_TOKENS);
    List<Template> made = new ArrayList<>();
    long t0 = System.nanoTime();
    try (TransformerModel m =
            TransformerModel.build(imp.spec(), imp.weights(), imp.tokenizerJson());
        TextTokenizer tok = TextTokenizer.load(imp.tokenizerJson())) {
      for (int t = 0; t < templates; t++) {
        List<TokenizedSample> part = new ArrayList<>();
        for (Sample s : samples.subList(t * batch, (t + 1) * batch)) {
          part.add(SampleEncoding.encode(tok, s, m.spec().maxPositions(), false).sample());
        }
        SummaryBuilder b = new SummaryBuilder(c, SummaryBuilder.DEFAULT_MAX_BYTES);
        List<ActivationSummary> records = b.profile(m, ProfileBatch.group(part, c, tok.padId()));
        List<TokenRow> rows = new ArrayList<>();
        records.forEach(r -> rows.addAll(r.getRowsList()));
        made.add(
            new Template(records.get(0).getStatistics(), records.get(0).getSampleIdsList(), rows));
      }
    }
    System.out.printf(
        "MiniLM profiled %d template batches of %d sentences in %.1f s; rows of %,d bytes%n",
        templates,
        batch,
        (System.nanoTime() - t0) / 1e9,
        made.get(0).rows().get(0).getValues().size());

    Path work = Files.createTempDirectory("ppruning-pruner-state-");
    long baseline = heapAfterGc();
    PrunerEngine engine =
        new PrunerEngine(
            new ModelRepository(work.resolve("models")),
            new PrunerEngine.Settings(
                PruneSettings.defaults(), Long.MAX_VALUE, Long.MAX_VALUE, 0.05),
            task -> new PrunerEngine.Base("all-minilm-l6-v2", imp.spec(), imp.weights(), null));
    TreeSet<TokenKey> smallest = new TreeSet<>(KEY_ORDER); // the stream's k smallest keys
    long[] nextOffset = new long[partitions];
    long sent = 0;
    long batches = 0;
    long redelivered = 0;
    long replayed = 0;
    long idBytes = 0; // what format 1 kept per batch: its sample ids
    long input = 0;
    long first = 0;
    int rowBytes = made.get(0).rows().get(0).getSerializedSize();
    int rowsPerChunk = Math.max(1, (SummaryBuilder.DEFAULT_MAX_BYTES - 64 * 1024) / rowBytes);
    System.out.printf(
        "per stage: samples fed (whole batches), batches, replayed records recognised, samples"
            + " counted, checkpoint bytes, checkpoint write ms (fsynced), heap used after GC"
            + " above the heap before the engine existed, seconds%n");
    long firstCheckpoint = 0;
    long firstHeap = 0;
    for (long stage : stages) {
      long s0 = System.nanoTime();
      while (sent < stage) {
        Template t = made.get((int) (batches % templates));
        int p = (int) (batches % partitions);
        long from = nextOffset[p];
        nextOffset[p] += t.ids().size();
        List<ActivationSummary> records = emit(c, t, sent, p, from, smallest, rowsPerChunk);
        for (ActivationSummary r : records) {
          check(engine.accept(TASK, r, new PrunerCheckpoint.Partition("summaries", 0), input++));
        }
        for (int i = 0; i < t.ids().size(); i++) {
          idBytes += com.google.protobuf.CodedOutputStream.computeStringSize(1, sampleId(sent + i));
        }
        if (batches % 10 == 9) {
          replayed += records.size();
          for (ActivationSummary r : records) {
            var a = engine.accept(TASK, r, new PrunerCheckpoint.Partition("summaries", 0), input++);
            check(a);
            redelivered += a.outcome() == PrunerEngine.Outcome.REDELIVERED ? 1 : 0;
          }
        }
        sent += t.ids().size();
        batches++;
      }
      long w0 = System.nanoTime();
      Path file = work.resolve("pruner.checkpoint");
      engine.checkpoint().write(file);
      double writeMs = (System.nanoTime() - w0) / 1e6;
      long size = Files.size(file);
      long heap = heapAfterGc() - baseline;
      if (first == 0) {
        first = stage;
        firstCheckpoint = size;
        firstHeap = heap;
      }
      if (redelivered != replayed) {
        throw new IllegalStateException(
            replayed + " records replayed, " + redelivered + " recognised as redelivered");
      }
      System.out.printf(
          "%,d samples, %,d batches, %,d of %,d replayed records recognised, %,d samples counted,"
              + " checkpoint %,d bytes (format 1 would add %,d bytes of sample ids), write %.1f"
              + " ms, heap %,d bytes, %.1f s%n",
          stage,
          batches,
          redelivered,
          replayed,
          engine.samples(TASK),
          size,
          idBytes,
          writeMs,
          heap,
          (System.nanoTime() - s0) / 1e9);
      if (engine.samples(TASK) != sent) {
        throw new IllegalStateException(
            "the engine counted " + engine.samples(TASK) + " samples, " + sent + " were sent");
      }
    }
    long last = heapAfterGc() - baseline;
    long lastSize = Files.size(work.resolve("pruner.checkpoint"));
    System.out.printf(
        "ratio %,d / %,d samples: checkpoint %.3fx, heap %.3fx%n",
        stages[stages.length - 1],
        first,
        (double) lastSize / firstCheckpoint,
        (double) last / firstHeap);
    SpineBenchmark.deleteTree(work);
  }

  /**
   * Template {@code t} as a new batch: samples {@code sent}, {@code sent + 1}, ...; offsets from
   * {@code from} in partition {@code p}; the rows below the stream's k-th key, in records of at
   * most {@code rowsPerChunk} rows with consecutive key ranges, statistics in chunk 0.
   */
  private static List<ActivationSummary> emit(
      SummaryConfig c,
      Template t,
      long sent,
      int p,
      long from,
      TreeSet<TokenKey> smallest,
      int rowsPerChunk) {
    int k = c.getTokens();
    List<String> ids = new ArrayList<>();
    java.util.Map<String, String> renamed = new java.util.HashMap<>();
    for (int i = 0; i < t.ids().size(); i++) {
      String id = sampleId(sent + i);
      ids.add(id);
      renamed.put(t.ids().get(i), id);
    }
    TokenKey threshold = smallest.size() < k ? null : smallest.last();
    List<TokenRow> rows = new ArrayList<>();
    for (TokenRow r : t.rows()) {
      String id = renamed.get(r.getKey().getSampleId());
      int pos = r.getKey().getPosition();
      TokenKey key =
          TokenKey.newBuilder()
              .setSampleId(id)
              .setPosition(pos)
              .setHash(TokenSampler.hash(id, pos, c.getSeed()))
              .build();
      if (threshold == null || KEY_ORDER.compare(key, threshold) < 0) {
        rows.add(r.toBuilder().setKey(key).build());
      }
    }
    rows.sort((a, b) -> KEY_ORDER.compare(a.getKey(), b.getKey()));
    for (TokenRow r : rows) {
      smallest.add(r.getKey());
      if (smallest.size() > k) {
        smallest.pollLast();
      }
    }
    int chunks = Math.max(1, (rows.size() + rowsPerChunk - 1) / rowsPerChunk);
    var source = Summaries.source(Summaries.partitionSource("samples", p), from, from + ids.size());
    List<ActivationSummary> out = new ArrayList<>();
    TokenKey after = null;
    for (int i = 0; i < chunks; i++) {
      List<TokenRow> part =
          rows.subList(
              Math.min(rows.size(), i * rowsPerChunk),
              Math.min(rows.size(), (i + 1) * rowsPerChunk));
      KeyRange.Builder range = KeyRange.newBuilder();
      if (after != null) {
        range.setAfter(after);
      }
      if (i < chunks - 1) {
        range.setThrough(part.get(part.size() - 1).getKey());
      } else if (threshold != null) {
        range.setThrough(threshold);
      }
      ActivationSummary.Builder b =
          ActivationSummary.newBuilder()
              .setConfig(c)
              .addAllSampleIds(ids)
              .setChunk(i)
              .setChunks(chunks)
              .setCovers(range)
              .addAllRows(part)
              .setSource(source);
      if (i == 0) {
        b.setStatistics(t.statistics());
      }
      out.add(b.build());
      after = part.isEmpty() ? after : part.get(part.size() - 1).getKey();
    }
    return out;
  }

  private static String sampleId(long n) {
    return String.format("s%010d", n);
  }

  private static void check(PrunerEngine.Accepted a) {
    if (a.outcome() == PrunerEngine.Outcome.REJECTED) {
      throw new IllegalStateException("the engine refused a summary: " + a.detail());
    }
  }

  private static long heapAfterGc() throws InterruptedException {
    var mem = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return mem.getHeapMemoryUsage().getUsed();
  }
}
