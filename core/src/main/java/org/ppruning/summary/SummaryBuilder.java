package org.ppruning.summary;

import com.google.protobuf.CodedOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.ppruning.graph.ProfileNames;
import org.ppruning.graph.TokenBatch;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.FloatTensor;
import org.ppruning.summary.proto.ActivationSummary;
import org.ppruning.summary.proto.KeyRange;
import org.ppruning.summary.proto.ModelFingerprint;
import org.ppruning.summary.proto.RowEncoding;
import org.ppruning.summary.proto.SummaryConfig;
import org.ppruning.summary.proto.TokenKey;
import org.ppruning.summary.proto.TokenRow;

/**
 * Turns {@code profile} outputs into {@link ActivationSummary} records. One builder serves one
 * stream (one profiler consumer, or one batch command run) and remembers the k smallest token keys
 * it has seen: a token above that running threshold can never be among the k smallest overall, so
 * it is neither asked of the model nor sent. Here k is {@link Summaries#keptRows}: the configured
 * tokens, or the compensation rows if there are more of them. Each call summarises one batch of
 * samples (the state's atomic unit, profiled in runs of the configuration's rows per padded length)
 * as one summary, split into chunks of at most {@code maxBytes} serialised bytes.
 *
 * <pre>{@code
 * SummaryBuilder b = new SummaryBuilder(Summaries.config("sst2", spec, 42, 200),
 *     SummaryBuilder.DEFAULT_MAX_BYTES);
 * for (List<TokenizedSample> poll : polls) {
 *   List<ProfileBatch> runs = ProfileBatch.group(poll, b.config(), tok.padId());
 *   List<ActivationSummary> records = b.profile(model, runs); // publish each, keyed by task
 * }
 * }</pre>
 *
 * <p>Not thread safe: a builder's threshold is the history of the batches it was given.
 */
public final class SummaryBuilder {
  /** Default bound on one record: under half of Kafka's default 1 MB message limit. */
  public static final int DEFAULT_MAX_BYTES = 512 * 1024;

  private final SummaryConfig config;
  private final ModelFingerprint model;
  private final int maxBytes;
  private Key bound; // null: none yet; else no larger key can be among the k smallest
  private TreeSet<Key> kept = new TreeSet<>(); // the k smallest keys seen, at most k

  /**
   * A builder for a stream whose samples are not known in advance.
   *
   * @param maxBytes the largest serialised record; an error if one token row cannot fit
   */
  public SummaryBuilder(SummaryConfig config, int maxBytes) {
    this(config, maxBytes, null);
  }

  private SummaryBuilder(SummaryConfig config, int maxBytes, Key bound) {
    Summaries.check(config);
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("summary size bound must be > 0 bytes, got " + maxBytes);
    }
    this.config = config;
    this.model = config.getModel();
    this.maxBytes = maxBytes;
    this.bound = bound;
  }

  /**
   * A builder that knows every sample in advance (the batch command): its threshold starts at the
   * k-th smallest key of all their tokens, so it asks for and sends exactly the k sampled tokens.
   * Its summaries merge to the same state as a streaming builder's.
   */
  public static SummaryBuilder forSamples(
      SummaryConfig config, int maxBytes, List<TokenizedSample> all) {
    Summaries.check(config);
    int k = Summaries.keptRows(config); // the tokens, or more with compensation rows
    TreeSet<Key> smallest = new TreeSet<>();
    for (TokenizedSample s : all) {
      for (int p = 0; p < s.length(); p++) {
        Key key = Key.of(s.id(), p, config.getSeed());
        if (smallest.size() < k || key.compareTo(smallest.last()) < 0) {
          smallest.add(key);
          if (smallest.size() > k) {
            smallest.pollLast();
          }
        }
      }
    }
    return new SummaryBuilder(config, maxBytes, smallest.size() < k ? null : smallest.last());
  }

  public SummaryConfig config() {
    return config;
  }

  /**
   * Lowers the threshold to {@code kth}, a key known to be at least the k-th smallest of the whole
   * stream: the k-th smallest token of a state that merges this stream ({@link
   * SummaryState#kthKey}), which only decreases as summaries arrive. Once the pruner holds k
   * tokens, a batch then sends only tokens below its k-th, instead of below this builder's own
   * (typically k ln(N / k) rows in all without it). A larger key than the current threshold changes
   * nothing.
   *
   * @throws IllegalArgumentException if the key's hash does not match this stream's seed
   */
  public void tighten(TokenKey kth) {
    bound = Key.min(bound, Key.from(kth, config.getSeed(), "threshold key"));
  }

  /**
   * One {@code profile} run of a summary: the padded samples, the positions it was run at, and its
   * outputs.
   *
   * @param batch one run of {@link ProfileBatch#group}
   * @param positions the flattened positions {@code profile} was run at; must include every
   *     position {@link #positions} asked for this run (others are ignored)
   * @param outputs the {@code profile} outputs for {@code batch} and {@code positions}
   */
  public record Run(ProfileBatch batch, int[] positions, Map<String, FloatTensor> outputs) {}

  /**
   * Profiles {@code batch} on {@code model} at the tokens it needs and returns its summary.
   *
   * @throws IllegalArgumentException if the model is not the configured one, or as {@link #add}
   */
  public List<ActivationSummary> profile(TransformerModel model, ProfileBatch batch) {
    return profile(model, List.of(batch));
  }

  /**
   * Profiles several runs (say, the length groups of one consumer poll: {@link ProfileBatch#group})
   * and returns one summary for all of their samples: one set of statistics instead of one per run,
   * and one atomic batch for redelivery.
   *
   * @throws IllegalArgumentException if the model is not the configured one, or as {@link #add}
   */
  public List<ActivationSummary> profile(TransformerModel model, List<ProfileBatch> runs) {
    ModelFingerprint m = Summaries.fingerprint(model.spec());
    if (!m.equals(this.model)) {
      throw new IllegalArgumentException(
          "model '"
              + m.getSource()
              + "' is not the model this"
              + " builder summarises ('"
              + this.model.getSource()
              + "'): different structure");
    }
    List<int[]> positions = positions(runs);
    List<Run> done = new ArrayList<>(runs.size());
    for (int i = 0; i < runs.size(); i++) {
      ProfileBatch b = runs.get(i);
      done.add(new Run(b, positions.get(i), model.profile(b.tokens(), positions.get(i))));
    }
    return add(done);
  }

  /**
   * The flattened token positions (row * seqLen + position) of {@code batch} whose activations its
   * summary needs: its tokens at or below the threshold the builder will have after this batch.
   * Changes nothing; {@link #add} commits.
   */
  public int[] positions(ProfileBatch batch) {
    return positions(List.of(batch)).get(0);
  }

  /** {@link #positions(ProfileBatch)} for the runs of one summary, run by run. */
  public List<int[]> positions(List<ProfileBatch> runs) {
    Plan plan = plan(runs);
    List<int[]> out = new ArrayList<>(runs.size());
    for (int r = 0; r < runs.size(); r++) {
      out.add(plan.positions(r));
    }
    return out;
  }

  /** {@link #add(List)} for a summary of one run. */
  public List<ActivationSummary> add(
      ProfileBatch batch, int[] positions, Map<String, FloatTensor> profile) {
    return add(List.of(new Run(batch, positions, profile)));
  }

  /**
   * Summarises the samples of {@code runs} as one batch and moves the builder's threshold on.
   *
   * @return the summary's chunks, in order; chunk 0 carries the batch's statistics
   * @throws IllegalArgumentException if a run is not padded as the configuration says, a sample id
   *     repeats, a needed position is missing, an output is missing or misshapen, a value is not
   *     finite, or one token row cannot fit in {@code maxBytes} (names both sizes)
   */
  public List<ActivationSummary> add(List<Run> runs) {
    List<ProfileBatch> batches = new ArrayList<>(runs.size());
    runs.forEach(r -> batches.add(r.batch()));
    Plan plan = plan(batches);
    int layers = model.getHeadsCount();
    int dh = model.getHeadSize();
    Totals stats = new Totals(model);
    List<int[]> outRows = new ArrayList<>(runs.size());
    List<FloatTensor[]> contexts = new ArrayList<>(runs.size());
    List<FloatTensor[]> activations = new ArrayList<>(runs.size());
    for (int i = 0; i < runs.size(); i++) {
      Run run = runs.get(i);
      TokenBatch t = run.batch().tokens();
      int[] outRow = new int[t.size() * t.seqLen()];
      Arrays.fill(outRow, -1);
      for (int j = 0; j < run.positions().length; j++) {
        int p = run.positions()[j];
        if (p < 0 || p >= outRow.length) {
          throw new IllegalArgumentException(
              "position " + p + " is outside the " + outRow.length + " tokens of run " + i);
        }
        outRow[p] = j;
      }
      outRows.add(outRow);
      stats.samples += run.batch().sampleIds().size();
      for (int len : plan.lengths.get(i)) {
        stats.tokens += len;
      }
      FloatTensor[] ctx = new FloatTensor[layers];
      FloatTensor[] act = new FloatTensor[layers];
      Map<String, FloatTensor> out = run.outputs();
      int k = run.positions().length;
      for (int l = 0; l < layers; l++) {
        int w = model.getHeads(l) * dh;
        int f = model.getNeurons(l);
        ctx[l] = output(out, ProfileNames.context(l), k, w);
        act[l] = output(out, ProfileNames.activation(l), k, f);
        sum(
            output(out, ProfileNames.contextAbsSum(l), t.size(), w),
            stats.heads[l],
            dh,
            run.batch(),
            ProfileNames.contextAbsSum(l));
        sum(
            output(out, ProfileNames.activationAbsSum(l), t.size(), f),
            stats.neurons[l],
            1,
            run.batch(),
            ProfileNames.activationAbsSum(l));
      }
      contexts.add(ctx);
      activations.add(act);
    }
    List<TokenRow> rows = new ArrayList<>(plan.tokens.size());
    float[] row = new float[Summaries.rowValues(model)];
    for (Token tk : plan.tokens) {
      int r = outRows.get(tk.run)[tk.flat];
      if (r < 0) {
        throw new IllegalArgumentException(
            "the profile was run without token "
                + tk.key
                + " (flattened position "
                + tk.flat
                + " of run "
                + tk.run
                + "), which this summary"
                + " needs: run it at positions(...)");
      }
      int at = 0;
      for (int l = 0; l < layers; l++) {
        FloatTensor ctx = contexts.get(tk.run)[l];
        FloatTensor act = activations.get(tk.run)[l];
        int w = (int) ctx.dim(1);
        int f = (int) act.dim(1);
        System.arraycopy(ctx.data(), r * w, row, at, w);
        System.arraycopy(act.data(), r * f, row, at + w, f);
        at += w + f;
      }
      rows.add(
          TokenRow.newBuilder()
              .setKey(tk.key.toProto())
              .setValues(
                  RowCodec.encode(row, config.getRowEncoding(), "activations of token " + tk.key))
              .build());
    }
    List<String> ids = new ArrayList<>();
    batches.forEach(b -> ids.addAll(b.sampleIds()));
    ids.sort(null);
    List<ActivationSummary> out = chunk(ids, stats, rows, plan.threshold);
    kept = plan.kept;
    return out;
  }

  /** A token a summary needs: its key, and where it is (run, flattened position). */
  private record Token(Key key, int run, int flat) {}

  /**
   * What one summary adds: each run's sample lengths, its tokens at or below the new threshold (in
   * key order), and the new bottom-k.
   */
  private record Plan(List<int[]> lengths, List<Token> tokens, TreeSet<Key> kept, Key threshold) {
    int[] positions(int run) {
      return tokens.stream().filter(t -> t.run == run).mapToInt(Token::flat).sorted().toArray();
    }
  }

  private Plan plan(List<ProfileBatch> runs) {
    if (runs.isEmpty()) {
      throw new IllegalArgumentException("a summary needs at least one batch of samples");
    }
    Set<String> ids = new HashSet<>();
    List<int[]> lengths = new ArrayList<>(runs.size());
    for (ProfileBatch b : runs) {
      lengths.add(lengths(b, ids));
    }
    int k = Summaries.keptRows(config); // the tokens, or more with compensation rows
    Key before = Key.min(kept.size() < k ? null : kept.last(), bound);
    TreeSet<Key> next = new TreeSet<>(kept);
    List<Token> candidates = new ArrayList<>();
    for (int run = 0; run < runs.size(); run++) {
      ProfileBatch b = runs.get(run);
      int seqLen = b.tokens().seqLen();
      for (int r = 0; r < b.tokens().size(); r++) {
        String id = b.rowIds().get(r);
        for (int p = 0; p < lengths.get(run)[r]; p++) {
          Key key = Key.of(id, p, config.getSeed());
          if (Key.atMost(key, before)) {
            candidates.add(new Token(key, run, r * seqLen + p));
            next.add(key);
            if (next.size() > k) {
              next.pollLast();
            }
          }
        }
      }
    }
    Key threshold = Key.min(next.size() < k ? null : next.last(), bound);
    List<Token> tokens = new ArrayList<>();
    for (Token t : candidates) {
      if (Key.atMost(t.key, threshold)) {
        tokens.add(t);
      }
    }
    tokens.sort((a, b) -> a.key.compareTo(b.key));
    return new Plan(lengths, tokens, next, threshold);
  }

  /**
   * Each row's length (0 for a filler row), after checking the run is padded and laid out as the
   * configuration says and its ids are new to {@code ids} (the summary's ids so far).
   */
  private int[] lengths(ProfileBatch batch, Set<String> ids) {
    TokenBatch t = batch.tokens();
    int[] lengths = new int[t.size()];
    for (int r = 0; r < t.size(); r++) {
      String id = batch.rowIds().get(r);
      if (batch.filler(r)) {
        for (int p = 0; p < t.seqLen(); p++) {
          if (t.attentionMask()[r * t.seqLen() + p] != 0) {
            throw new IllegalArgumentException(
                "filler row "
                    + r
                    + " (no sample) has attention"
                    + " mask "
                    + t.attentionMask()[r * t.seqLen() + p]
                    + " at position "
                    + p
                    + ", expected padding only");
          }
        }
        continue;
      }
      if (!ids.add(id)) {
        throw new IllegalArgumentException(
            "the sample ids of a summary must be non-empty and"
                + " distinct: '"
                + id
                + "' in "
                + batch.sampleIds());
      }
      int len = 0;
      while (len < t.seqLen() && t.attentionMask()[r * t.seqLen() + len] == 1) {
        len++;
      }
      for (int p = len; p < t.seqLen(); p++) {
        if (t.attentionMask()[r * t.seqLen() + p] != 0) {
          throw new IllegalArgumentException(
              "sample '"
                  + id
                  + "': attention mask is not ones"
                  + " then zeros (value "
                  + t.attentionMask()[r * t.seqLen() + p]
                  + " at position "
                  + p
                  + ")");
        }
      }
      int padded = Summaries.paddedLength(Math.max(len, 1), config);
      if (len == 0 || padded != t.seqLen()) {
        throw new IllegalArgumentException(
            "sample '"
                + id
                + "' ("
                + len
                + " tokens) is padded"
                + " to "
                + t.seqLen()
                + ", but summaries pad it to "
                + padded
                + " (pad multiple "
                + config.getPadMultiple()
                + "): batch samples with ProfileBatch.group");
      }
      lengths[r] = len;
    }
    // The kernels round a token differently with the run's rows and its row in it.
    if (t.size() != config.getRowsPerRun()) {
      throw new IllegalArgumentException(
          "a run of samples "
              + batch.sampleIds()
              + " has "
              + t.size()
              + " rows, but summaries profile runs of "
              + config.getRowsPerRun()
              + " rows (rows_per_run): batch samples with ProfileBatch.group");
    }
    for (int r = 0; r < t.size(); r++) {
      if (!batch.filler(r) && Summaries.row(batch.rowIds().get(r), config) != r) {
        throw new IllegalArgumentException(
            "sample '"
                + batch.rowIds().get(r)
                + "' is in row "
                + r
                + " of its run, but summaries profile it in row "
                + Summaries.row(batch.rowIds().get(r), config)
                + " (of "
                + config.getRowsPerRun()
                + "): batch samples with ProfileBatch.group");
      }
    }
    if (batch.sampleIds().isEmpty()) {
      throw new IllegalArgumentException(
          "a run of " + t.size() + " rows has no sample, only" + " filler");
    }
    return lengths;
  }

  private static FloatTensor output(
      Map<String, FloatTensor> profile, String name, long rows, long cols) {
    FloatTensor t = profile.get(name);
    if (t == null) {
      throw new IllegalArgumentException(
          "profile output '"
              + name
              + "' is missing (a model"
              + " exported before per-sample sums? re-export it)");
    }
    if (t.rank() != 2 || t.dim(0) != rows || t.dim(1) != cols) {
      throw new IllegalArgumentException(
          "profile output '"
              + name
              + "' is "
              + t.shapeString()
              + ", expected ["
              + rows
              + ", "
              + cols
              + "]");
    }
    return t;
  }

  /**
   * Adds per-sample sums [B, units * group] to {@code into}, a unit's group together; filler rows
   * add nothing.
   */
  private static void sum(
      FloatTensor t, ExactSums into, int group, ProfileBatch batch, String name) {
    int w = (int) t.dim(1);
    for (int r = 0; r < t.dim(0); r++) {
      if (batch.filler(r)) {
        continue;
      }
      int c = into.addFloats(t.data(), r * w, w, group, 0);
      if (c >= 0) {
        throw new IllegalArgumentException(
            "profile output '"
                + name
                + "' for sample '"
                + batch.rowIds().get(r)
                + "' has "
                + t.data()[r * w + c]
                + " at column "
                + c
                + " (a sum of |activation| must be finite and >= 0)");
      }
    }
  }

  /**
   * Splits the batch's summary into records of at most maxBytes: chunk 0 holds the statistics and
   * as many rows as fit (possibly none, then it has no key range), later chunks hold rows only.
   * Sizes are counted with protobuf's own size functions, with room reserved for the largest chunk
   * numbers and key range.
   */
  private List<ActivationSummary> chunk(
      List<String> ids, Totals stats, List<TokenRow> rows, Key threshold) {
    String longest = threshold == null ? "" : threshold.sampleId();
    for (String id : ids) {
      longest = id.length() > longest.length() ? id : longest;
    }
    ActivationSummary.Builder base =
        ActivationSummary.newBuilder()
            .setConfig(config)
            .addAllSampleIds(ids)
            .setChunk(Integer.MAX_VALUE)
            .setChunks(Integer.MAX_VALUE)
            .setCovers(
                KeyRange.newBuilder().setAfter(widestKey(longest)).setThrough(widestKey(longest)));
    int restFixed = base.build().getSerializedSize();
    var statistics = stats.toProto();
    base.setStatistics(statistics);
    int headFixed = base.build().getSerializedSize();
    if (headFixed > maxBytes) {
      throw new IllegalArgumentException(
          "the statistics of one batch take "
              + headFixed
              + " bytes in a summary record, more than the bound of "
              + maxBytes
              + " bytes (they"
              + " grow with the model's units: raise the bound)");
    }
    List<Integer> starts = new ArrayList<>(List.of(0));
    long size = headFixed;
    for (int i = 0; i < rows.size(); i++) {
      int s = CodedOutputStream.computeMessageSize(7, rows.get(i));
      if (restFixed + s > maxBytes) {
        throw new IllegalArgumentException(
            "one token row takes "
                + (restFixed + s)
                + " bytes in"
                + " a summary record (row "
                + s
                + " bytes + "
                + restFixed
                + " bytes of header), more"
                + " than the bound of "
                + maxBytes
                + " bytes: raise the bound"
                + (config.getRowEncoding() == RowEncoding.ROW_ENCODING_FLOAT32
                    ? " or use float16 rows"
                    : ""));
      }
      if (size + s > maxBytes) {
        starts.add(i); // chunk 0 may stay empty: statistics only
        size = restFixed;
      }
      size += s;
    }
    int chunks = starts.size();
    List<ActivationSummary> out = new ArrayList<>(chunks);
    Key after = null;
    for (int c = 0; c < chunks; c++) {
      int from = starts.get(c);
      int to = c + 1 < chunks ? starts.get(c + 1) : rows.size();
      boolean statisticsOnly = from == to && c + 1 < chunks;
      Key through = c + 1 < chunks ? (statisticsOnly ? null : keyOf(rows.get(to - 1))) : threshold;
      KeyRange.Builder range = KeyRange.newBuilder();
      if (after != null) {
        range.setAfter(after.toProto());
      }
      if (through != null) {
        range.setThrough(through.toProto());
      }
      ActivationSummary.Builder b =
          ActivationSummary.newBuilder()
              .setConfig(config)
              .addAllSampleIds(ids)
              .setChunk(c)
              .setChunks(chunks)
              .addAllRows(rows.subList(from, to));
      if (!statisticsOnly) {
        b.setCovers(range);
      }
      if (c == 0) {
        b.setStatistics(statistics);
      }
      ActivationSummary s = b.build();
      if (s.getSerializedSize() > maxBytes) {
        throw new IllegalStateException(
            "summary chunk "
                + c
                + " is "
                + s.getSerializedSize()
                + " bytes, over the bound of "
                + maxBytes
                + ": size accounting is wrong");
      }
      out.add(s);
      if (!statisticsOnly) {
        after = through;
      }
    }
    return out;
  }

  /** A key at least as long, serialised, as any key of a sample id no longer than id. */
  private static TokenKey widestKey(String id) {
    // UTF-8 takes at most 3 bytes per UTF-16 char; U+0800 takes exactly 3.
    return new Key(-1L, "\u0800".repeat(id.length()), Integer.MAX_VALUE).toProto();
  }

  private static Key keyOf(TokenRow r) {
    return new Key(r.getKey().getHash(), r.getKey().getSampleId(), r.getKey().getPosition());
  }
}
