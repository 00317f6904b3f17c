package org.ppruning.summary;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.Activation;
import org.ppruning.model.Architecture;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TinyModels;
import org.ppruning.summary.proto.ActivationState;
import org.ppruning.summary.proto.ActivationSummary;
import org.ppruning.summary.proto.RowEncoding;
import org.ppruning.summary.proto.SummaryConfig;

/**
 * Summary sizes and merge times at MiniLM and BERT-base layer sizes (random weights, a 50-word
 * vocabulary: the layers are real-sized, the embeddings are not). 512 samples of 8 to 64 tokens in
 * polls of 32 (one summary each, one profile run per padded length), k = 200, the default 512 KiB
 * bound, one streaming builder. Prints only: tagged {@code bench}. Run with {@code mvn -o -pl core
 * test -Dtest=SummaryBenchmark -Dtest.excluded.groups=}.
 */
@Tag("bench")
class SummaryBenchmark {

  @Test
  void miniLmSized() throws Exception {
    run("MiniLM-sized (6 x 384, 12 heads, FFN 1536)", 6, 384, 12, 1536);
  }

  @Test
  void bertBaseSized() throws Exception {
    run("BERT-base-sized (12 x 768, 12 heads, FFN 3072)", 12, 768, 12, 3072);
  }

  private static void run(String name, int layers, int d, int heads, int ffn) throws Exception {
    ModelSpec spec =
        ModelSpec.unpruned(
            Architecture.BERT,
            50,
            d,
            layers,
            heads,
            ffn,
            128,
            2,
            Activation.GELU_TANH,
            1e-12,
            true,
            false,
            "bench-random",
            null);
    Random r = new Random(1);
    List<TokenizedSample> samples = new ArrayList<>();
    for (int i = 0; i < 512; i++) {
      int len = 8 + r.nextInt(57);
      int[] ids = new int[len];
      for (int j = 0; j < len; j++) {
        ids[j] = 5 + r.nextInt(45);
      }
      samples.add(new TokenizedSample("sample-" + i, ids, new int[len]));
    }
    try (TransformerModel m =
        TransformerModel.build(spec, TinyModels.randomWeights(spec, 2), null)) {
      for (RowEncoding enc :
          new RowEncoding[] {RowEncoding.ROW_ENCODING_FLOAT32, RowEncoding.ROW_ENCODING_FLOAT16}) {
        SummaryConfig c = Summaries.config("bench", spec, 42, 200, 8, enc);
        SummaryBuilder b = new SummaryBuilder(c, SummaryBuilder.DEFAULT_MAX_BYTES);
        List<ActivationSummary> records = new ArrayList<>();
        long profileNs = 0;
        long buildNs = 0;
        int batches = 0;
        int runs = 0;
        for (int from = 0; from < samples.size(); from += 32) { // polls of 32 samples
          List<ProfileBatch> poll = ProfileBatch.group(samples.subList(from, from + 32), c, 0);
          long t0 = System.nanoTime();
          List<int[]> pos = b.positions(poll);
          long t1 = System.nanoTime();
          List<SummaryBuilder.Run> done = new ArrayList<>();
          for (int i = 0; i < poll.size(); i++) {
            done.add(
                new SummaryBuilder.Run(
                    poll.get(i), pos.get(i), m.profile(poll.get(i).tokens(), pos.get(i))));
          }
          long t2 = System.nanoTime();
          records.addAll(b.add(done));
          long t3 = System.nanoTime();
          profileNs += t2 - t1;
          buildNs += (t1 - t0) + (t3 - t2);
          batches++;
          runs += poll.size();
        }
        long bytes = 0;
        long rows = 0;
        long rowBytes = 0;
        int max = 0;
        for (ActivationSummary s : records) {
          bytes += s.getSerializedSize();
          max = Math.max(max, s.getSerializedSize());
          rows += s.getRowsCount();
          for (var row : s.getRowsList()) {
            rowBytes += com.google.protobuf.CodedOutputStream.computeMessageSize(7, row);
          }
        }
        int statsBytes = records.get(0).getStatistics().getSerializedSize();
        // Merge: every record, in order and shuffled (three rounds; the last is reported).
        long mergeNs = 0;
        SummaryState st = null;
        for (int round = 0; round < 3; round++) {
          List<ActivationSummary> order = new ArrayList<>(records);
          Collections.shuffle(order, new Random(round));
          long t0 = System.nanoTime();
          st = new SummaryState(c);
          for (ActivationSummary s : order) {
            st.merge(s);
          }
          mergeNs = System.nanoTime() - t0;
        }
        long t0 = System.nanoTime();
        byte[] saved = st.toProto().toByteArray();
        long t1 = System.nanoTime();
        SummaryState.fromProto(ActivationState.parseFrom(saved));
        long t2 = System.nanoTime();
        st.toFeatures();
        long t3 = System.nanoTime();
        System.out.printf(
            "%s, %s, k=200, %d samples (%d tokens) in %d summaries (%d profile" + " runs):%n",
            name, enc, st.samples(), st.tokens(), batches, runs);
        System.out.printf(
            "  records %d (max %,d bytes, bound %,d), total %,d bytes;"
                + " %d token rows sent, %,d bytes per token row; statistics %,d bytes per summary%n",
            records.size(),
            max,
            SummaryBuilder.DEFAULT_MAX_BYTES,
            bytes,
            rows,
            rowBytes / rows,
            statsBytes);
        System.out.printf(
            "  profile %.2f s, builder (hashing, sums, rows, chunks) %.3f s,"
                + " merge of all records %.3f s (%.2f ms per record, %.0f MB/s)%n",
            profileNs / 1e9,
            buildNs / 1e9,
            mergeNs / 1e9,
            mergeNs / 1e6 / records.size(),
            bytes / (mergeNs / 1e9) / 1e6);
        System.out.printf(
            "  state checkpoint %,d bytes: write %.3f s, read %.3f s;" + " toFeatures %.3f s%n",
            saved.length, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9);
      }
    }
  }
}
