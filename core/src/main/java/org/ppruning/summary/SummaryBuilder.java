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
 * Turns batches of {@code profile} outputs into {@link ActivationSummary} records. One builder
 * serves one stream (one profiler consumer, or one batch command run) and remembers the k
 * smallest token keys it has seen: a token above that running threshold can never be among the
 * k smallest overall, so it is neither asked of the model nor sent. Each batch gives one summary,
 * split into chunks of at most {@code maxBytes} serialised bytes.
 *
 * <pre>{@code
 * SummaryBuilder b = new SummaryBuilder(Summaries.config("sst2", spec, 42, 200),
 *     SummaryBuilder.DEFAULT_MAX_BYTES);
 * for (ProfileBatch batch : ProfileBatch.group(samples, b.config(), 32, tok.padId())) {
 *   List<ActivationSummary> records = b.profile(model, batch); // publish each, keyed by task
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
  private final Key bound; // null: none (streaming); else no larger key can be sampled
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
   * A builder that knows every sample in advance (the batch command): its threshold starts at
   * the k-th smallest key of all their tokens, so it asks for and sends exactly the k sampled
   * tokens. Its summaries merge to the same state as a streaming builder's.
   */
  public static SummaryBuilder forSamples(SummaryConfig config, int maxBytes,
      List<TokenizedSample> all) {
    Summaries.check(config);
    int k = config.getTokens();
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
   * Profiles {@code batch} on {@code model} at the tokens it needs and returns its summary.
   *
   * @throws IllegalArgumentException if the model is not the configured one, or as {@link #add}
   */
  public List<ActivationSummary> profile(TransformerModel model, ProfileBatch batch) {
    ModelFingerprint m = Summaries.fingerprint(model.spec());
    if (!m.equals(this.model)) {
      throw new IllegalArgumentException("model '" + m.getSource() + "' is not the model this"
          + " builder summarises ('" + this.model.getSource() + "'): different structure");
    }
    int[] positions = positions(batch);
    return add(batch, positions, model.profile(batch.tokens(), positions));
  }

  /**
   * The flattened token positions (row * seqLen + position) of {@code batch} whose activations
   * its summary needs: its tokens at or below the threshold the builder will have after this
   * batch. Changes nothing; {@link #add} commits.
   */
  public int[] positions(ProfileBatch batch) {
    return plan(batch).flat;
  }

  /**
   * Summarises one batch and moves the builder's threshold on.
   *
   * @param positions the positions {@code profile} was run with; must include all of {@link
   *                  #positions} (others are ignored)
   * @param profile   the {@code profile} outputs for {@code batch} and {@code positions}
   * @return the summary's chunks, in order; chunk 0 carries the batch's statistics
   * @throws IllegalArgumentException if the batch is not padded as the configuration says, a
   *     needed position is missing, an output is missing or misshapen, a value is not finite, or
   *     one token row cannot fit in {@code maxBytes} (names both sizes)
   */
  public List<ActivationSummary> add(ProfileBatch batch, int[] positions,
      Map<String, FloatTensor> profile) {
    Plan plan = plan(batch);
    TokenBatch t = batch.tokens();
    int[] outRow = new int[t.size() * t.seqLen()];
    Arrays.fill(outRow, -1);
    for (int i = 0; i < positions.length; i++) {
      if (positions[i] < 0 || positions[i] >= outRow.length) {
        throw new IllegalArgumentException("position " + positions[i] + " is outside the batch's "
            + outRow.length + " tokens");
      }
      outRow[positions[i]] = i;
    }
    for (int i = 0; i < plan.flat.length; i++) {
      if (outRow[plan.flat[i]] < 0) {
        throw new IllegalArgumentException("the profile was run without token "
            + plan.keys.get(i) + " (flattened position " + plan.flat[i] + "), which this"
            + " summary needs: run it at positions(batch)");
      }
    }
    int layers = model.getHeadsCount();
    int dh = model.getHeadSize();
    Totals stats = new Totals(model);
    stats.samples = t.size();
    for (int len : plan.lengths) {
      stats.tokens += len;
    }
    FloatTensor[] ctx = new FloatTensor[layers];
    FloatTensor[] act = new FloatTensor[layers];
    for (int l = 0; l < layers; l++) {
      int w = model.getHeads(l) * dh;
      int f = model.getNeurons(l);
      ctx[l] = output(profile, ProfileNames.context(l), positions.length, w);
      act[l] = output(profile, ProfileNames.activation(l), positions.length, f);
      sum(output(profile, ProfileNames.contextAbsSum(l), t.size(), w), stats.heads[l], dh,
          batch, ProfileNames.contextAbsSum(l));
      sum(output(profile, ProfileNames.activationAbsSum(l), t.size(), f), stats.neurons[l], 1,
          batch, ProfileNames.activationAbsSum(l));
    }
    List<TokenRow> rows = new ArrayList<>(plan.keys.size());
    float[] row = new float[Summaries.rowValues(model)];
    for (int i = 0; i < plan.keys.size(); i++) {
      int r = outRow[plan.flat[i]];
      int at = 0;
      for (int l = 0; l < layers; l++) {
        int w = (int) ctx[l].dim(1);
        int f = (int) act[l].dim(1);
        System.arraycopy(ctx[l].data(), r * w, row, at, w);
        System.arraycopy(act[l].data(), r * f, row, at + w, f);
        at += w + f;
      }
      rows.add(TokenRow.newBuilder().setKey(plan.keys.get(i).toProto())
          .setValues(RowCodec.encode(row, config.getRowEncoding(),
              "activations of token " + plan.keys.get(i)))
          .build());
    }
    List<ActivationSummary> out = chunk(sortedIds(batch), stats, rows, plan.threshold);
    kept = plan.kept;
    return out;
  }

  /** What one batch adds: its tokens at or below the new threshold, and the new bottom-k. */
  private record Plan(int[] lengths, List<Key> keys, int[] flat, TreeSet<Key> kept,
      Key threshold) {}

  private Plan plan(ProfileBatch batch) {
    int[] lengths = lengths(batch);
    TokenBatch t = batch.tokens();
    int k = config.getTokens();
    Key before = Key.min(kept.size() < k ? null : kept.last(), bound);
    TreeSet<Key> next = new TreeSet<>(kept);
    List<Key> keys = new ArrayList<>();
    List<Integer> flat = new ArrayList<>();
    for (int r = 0; r < t.size(); r++) {
      String id = batch.sampleIds().get(r);
      for (int p = 0; p < lengths[r]; p++) {
        Key key = Key.of(id, p, config.getSeed());
        if (Key.atMost(key, before)) {
          keys.add(key);
          flat.add(r * t.seqLen() + p);
          next.add(key);
          if (next.size() > k) {
            next.pollLast();
          }
        }
      }
    }
    Key threshold = Key.min(next.size() < k ? null : next.last(), bound);
    Integer[] order = new Integer[keys.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> keys.get(a).compareTo(keys.get(b)));
    List<Key> sortedKeys = new ArrayList<>();
    List<Integer> sortedFlat = new ArrayList<>();
    for (int i : order) {
      if (Key.atMost(keys.get(i), threshold)) {
        sortedKeys.add(keys.get(i));
        sortedFlat.add(flat.get(i));
      }
    }
    return new Plan(lengths, sortedKeys, sortedFlat.stream().mapToInt(Integer::intValue).toArray(),
        next, threshold);
  }

  /** Each sample's length, after checking the batch is padded as the configuration says. */
  private int[] lengths(ProfileBatch batch) {
    TokenBatch t = batch.tokens();
    int[] lengths = new int[t.size()];
    Set<String> ids = new HashSet<>();
    for (int r = 0; r < t.size(); r++) {
      String id = batch.sampleIds().get(r);
      if (id == null || id.isEmpty() || !ids.add(id)) {
        throw new IllegalArgumentException("batch sample ids must be non-empty and distinct: '"
            + id + "' in " + batch.sampleIds());
      }
      int len = 0;
      while (len < t.seqLen() && t.attentionMask()[r * t.seqLen() + len] == 1) {
        len++;
      }
      for (int p = len; p < t.seqLen(); p++) {
        if (t.attentionMask()[r * t.seqLen() + p] != 0) {
          throw new IllegalArgumentException("sample '" + id + "': attention mask is not ones"
              + " then zeros (value " + t.attentionMask()[r * t.seqLen() + p] + " at position "
              + p + ")");
        }
      }
      int padded = Summaries.paddedLength(Math.max(len, 1), config);
      if (len == 0 || padded != t.seqLen()) {
        throw new IllegalArgumentException("sample '" + id + "' (" + len + " tokens) is padded"
            + " to " + t.seqLen() + ", but summaries pad it to " + padded + " (pad multiple "
            + config.getPadMultiple() + "): batch samples with ProfileBatch.group");
      }
      lengths[r] = len;
    }
    return lengths;
  }

  private static FloatTensor output(Map<String, FloatTensor> profile, String name, long rows,
      long cols) {
    FloatTensor t = profile.get(name);
    if (t == null) {
      throw new IllegalArgumentException("profile output '" + name + "' is missing (a model"
          + " exported before per-sample sums? re-export it)");
    }
    if (t.rank() != 2 || t.dim(0) != rows || t.dim(1) != cols) {
      throw new IllegalArgumentException("profile output '" + name + "' is " + t.shapeString()
          + ", expected [" + rows + ", " + cols + "]");
    }
    return t;
  }

  /** Adds per-sample sums [B, units * group] to {@code into}, a unit's group together. */
  private static void sum(FloatTensor t, ExactSums into, int group, ProfileBatch batch,
      String name) {
    int w = (int) t.dim(1);
    for (int r = 0; r < t.dim(0); r++) {
      for (int c = 0; c < w; c++) {
        float v = t.data()[r * w + c];
        if (!(v >= 0) || v == Float.POSITIVE_INFINITY) {
          throw new IllegalArgumentException("profile output '" + name + "' for sample '"
              + batch.sampleIds().get(r) + "' has " + v + " at column " + c
              + " (a sum of |activation| must be finite and >= 0)");
        }
        into.addFloat(c / group, v);
      }
    }
  }

  private static List<String> sortedIds(ProfileBatch batch) {
    List<String> ids = new ArrayList<>(batch.sampleIds());
    ids.sort(null);
    return ids;
  }

  /**
   * Splits the batch's summary into records of at most maxBytes: chunk 0 holds the statistics
   * and as many rows as fit, later chunks hold rows only. Sizes are counted with protobuf's own
   * size functions, with room reserved for the largest chunk numbers and key range.
   */
  private List<ActivationSummary> chunk(List<String> ids, Totals stats, List<TokenRow> rows,
      Key threshold) {
    String longest = threshold == null ? "" : threshold.sampleId();
    for (String id : ids) {
      longest = id.length() > longest.length() ? id : longest;
    }
    ActivationSummary.Builder base = ActivationSummary.newBuilder().setConfig(config)
        .addAllSampleIds(ids).setChunk(Integer.MAX_VALUE).setChunks(Integer.MAX_VALUE)
        .setCovers(KeyRange.newBuilder().setAfter(widestKey(longest))
            .setThrough(widestKey(longest)));
    int restFixed = base.build().getSerializedSize();
    var statistics = stats.toProto();
    base.setStatistics(statistics);
    int headFixed = base.build().getSerializedSize();
    if (headFixed > maxBytes) {
      throw new IllegalArgumentException("the statistics of one batch take " + headFixed
          + " bytes in a summary record, more than the bound of " + maxBytes + " bytes (they"
          + " grow with the model's units: raise the bound)");
    }
    List<Integer> starts = new ArrayList<>(List.of(0));
    long size = headFixed;
    for (int i = 0; i < rows.size(); i++) {
      int s = CodedOutputStream.computeMessageSize(7, rows.get(i));
      boolean empty = starts.get(starts.size() - 1) == i;
      if (size + s > maxBytes) {
        if (empty) {
          long fixed = starts.size() == 1 ? headFixed : restFixed;
          throw new IllegalArgumentException("one token row takes " + (fixed + s) + " bytes in a"
              + " summary record (row " + s + " bytes + " + fixed + " bytes of "
              + (starts.size() == 1 ? "statistics and header" : "header") + "), more than the"
              + " bound of " + maxBytes + " bytes: raise the bound"
              + (config.getRowEncoding() == RowEncoding.ROW_ENCODING_FLOAT32
                  ? " or use float16 rows" : ""));
        }
        starts.add(i);
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
      Key through = c + 1 < chunks ? keyOf(rows.get(to - 1)) : threshold;
      KeyRange.Builder range = KeyRange.newBuilder();
      if (after != null) {
        range.setAfter(after.toProto());
      }
      if (through != null) {
        range.setThrough(through.toProto());
      }
      ActivationSummary.Builder b = ActivationSummary.newBuilder().setConfig(config)
          .addAllSampleIds(ids).setChunk(c).setChunks(chunks).setCovers(range)
          .addAllRows(rows.subList(from, to));
      if (c == 0) {
        b.setStatistics(statistics);
      }
      ActivationSummary s = b.build();
      if (s.getSerializedSize() > maxBytes) {
        throw new IllegalStateException("summary chunk " + c + " is " + s.getSerializedSize()
            + " bytes, over the bound of " + maxBytes + ": size accounting is wrong");
      }
      out.add(s);
      after = through;
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
