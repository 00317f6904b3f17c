package org.ppruning.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TinyModels;
import org.ppruning.stream.BatchPlanner.Batch;
import org.ppruning.stream.BatchPlanner.Polled;
import org.ppruning.tokenize.TextTokenizer;

/** Validation and profiling of one batch on a tiny random BERT (24 positions). */
class ProfiledBatchTest {
  @TempDir static Path tmp;
  static TransformerModel model;
  static TextTokenizer tok;

  @BeforeAll
  static void setUp() throws Exception {
    ModelSpec spec = TinyModels.bertSpec(2, 16, 4, 32);
    model = TransformerModel.build(spec, TinyModels.randomWeights(spec, 5), null);
    tok = TinyModels.tokenizer(tmp);
  }

  @AfterAll
  static void tearDown() {
    model.close();
    tok.close();
  }

  static Batch batch(String... values) {
    List<Polled> rs = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      rs.add(
          new Polled(
              0,
              100 + i,
              "sst2".getBytes(StandardCharsets.UTF_8),
              values[i].getBytes(StandardCharsets.UTF_8),
              0,
              List.of(),
              0));
    }
    return new Batch(0, rs, false, 0);
  }

  @Test
  void lettersComeInRecordOrderOfValidationThenOfTheEngineAndTruncationsNameTheirRecord() {
    ProfilerEngine engine =
        new ProfilerEngine(
            Map.of("sst2", new ProfilerEngine.TaskModel(model, tok)),
            new ProfilerEngine.Settings(7, 60, 8, 100_000, ProfilerEngine.TooLong.TRUNCATE));
    Batch b =
        batch(
            "{\"id\":\"a\",\"text\":\"w1 w2\"}",
            "{\"id\":\"a\",\"text\":\"w3\"}", // a duplicate: refused by the engine
            "{\"id\":\"x\",\"text\":", // malformed: refused by validation
            "{\"id\":\"long\",\"text\":\"" + "w4 ".repeat(30).strip() + "\"}");
    ProfiledBatch p =
        ProfiledBatch.of("samples", b, new SampleRecords(Set.of("sst2"), 65536), engine);
    assertEquals(
        List.of(RejectReason.MALFORMED_JSON, RejectReason.DUPLICATE_ID),
        p.letters().stream().map(ProfiledBatch.Letter::reason).toList());
    assertEquals(List.of(102L, 101L), p.letters().stream().map(l -> l.record().offset()).toList());
    assertEquals(List.of("a", "long"), p.result().summaries().get(0).sampleIds());
    assertEquals(1, p.truncated().size());
    assertSame(b.records().get(3), p.truncated().get(0));
    assertEquals("long", p.result().truncated().get(0).sampleId());
  }

  @Test
  void aRecordOverTheLimitWithItsHeadersIsTooLargeBeforeParsingAndTheOthersAreProfiled() {
    ProfilerEngine engine =
        new ProfilerEngine(
            Map.of("sst2", new ProfilerEngine.TaskModel(model, tok)),
            new ProfilerEngine.Settings(7, 60, 8, 100_000, ProfilerEngine.TooLong.TRUNCATE));
    byte[] ok = "{\"id\":\"a\",\"text\":\"w1 w2\"}".getBytes(StandardCharsets.UTF_8);
    byte[] key = "sst2".getBytes(StandardCharsets.UTF_8);
    // Value under the limit, but a header takes the record over it: refused, unparsed.
    List<BatchPlanner.Header> big = List.of(new BatchPlanner.Header("trace", new byte[100]));
    Polled heavy = new Polled(0, 7, key, "not json".getBytes(StandardCharsets.UTF_8), 0, big, 0);
    Polled good = new Polled(0, 8, key, ok, 0, List.of(), 0);
    int limit = ok.length + key.length; // exactly the good record
    ProfiledBatch p =
        ProfiledBatch.of(
            "samples",
            new Batch(0, List.of(heavy, good), false, 0),
            new SampleRecords(Set.of("sst2"), limit),
            engine);
    assertEquals(1, p.letters().size());
    assertEquals(RejectReason.TOO_LARGE, p.letters().get(0).reason());
    assertEquals(
        "record is 117 bytes (key 4, value 8, 1 headers), over the limit of "
            + limit
            + " (ppruning.profiler.max-record-bytes)",
        p.letters().get(0).message());
    assertEquals(List.of("a"), p.result().summaries().get(0).sampleIds());
  }
}
