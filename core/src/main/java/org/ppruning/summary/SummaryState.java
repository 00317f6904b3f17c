package org.ppruning.summary;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.features.LayerFeatures;
import org.ppruning.model.FloatTensor;
import org.ppruning.summary.proto.ActivationState;
import org.ppruning.summary.proto.ActivationSummary;
import org.ppruning.summary.proto.BatchProgress;
import org.ppruning.summary.proto.KeyRange;
import org.ppruning.summary.proto.ModelFingerprint;
import org.ppruning.summary.proto.SummaryConfig;
import org.ppruning.summary.proto.TokenKey;
import org.ppruning.summary.proto.TokenRow;

/**
 * The merge of activation summaries for one stream (task, model, sampling): exact bottom-k token
 * rows, exact salience sums and counts, and the batches seen. Merging is order independent: any
 * order or grouping of the same summaries gives the same state, bit for bit ({@link #toProto}
 * serialises to the same bytes), because
 *
 * <ul>
 *   <li>token rows form a set (the same token twice is one token, and must carry the same values)
 *       of which the k smallest keys are kept;
 *   <li>salience sums are exact ({@code ExactSums}), so addition is associative;
 *   <li>statistics count once per batch, recognised by its sample ids: a batch's chunk 0 that
 *       arrives again is a redelivery and is not counted again, and a summary whose sample ids
 *       overlap another batch's without being that batch is refused (batches are atomic);
 *   <li>completeness is a property of the merged content: a batch is complete once it is counted
 *       and its chunks' key ranges cover every key up to the k-th smallest row.
 * </ul>
 *
 * <p>Not thread safe.
 */
public final class SummaryState {
  private final SummaryConfig config;
  private final ModelFingerprint model;
  private final int k;
  private final int rowValues;
  private final Totals totals;
  private final TreeMap<Key, float[]> rows = new TreeMap<>();
  private final Map<String, Batch> batchOf = new HashMap<>();
  private final TreeMap<String, Batch> batches = new TreeMap<>(); // by first sample id
  private final Set<Batch> open = new LinkedHashSet<>(); // batches not yet complete

  /** A batch seen, whether its statistics are counted, and which key ranges of it arrived. */
  private static final class Batch {
    final List<String> ids;
    boolean counted;
    boolean complete;
    final List<Range> covered = new ArrayList<>(); // disjoint, not touching, by lower end

    Batch(List<String> ids) {
      this.ids = List.copyOf(ids);
    }
  }

  /** Keys in (after, through]; null ends are unbounded. */
  private record Range(Key after, Key through) {}

  /** An empty state for {@code config}. */
  public SummaryState(SummaryConfig config) {
    Summaries.check(config);
    this.config = config;
    this.model = config.getModel();
    this.k = config.getTokens();
    this.rowValues = Summaries.rowValues(model);
    this.totals = new Totals(model);
  }

  public SummaryConfig config() {
    return config;
  }

  /** Samples counted. */
  public long samples() {
    return totals.samples;
  }

  /** Non-padding tokens of the counted samples. */
  public long tokens() {
    return totals.tokens;
  }

  /** Batches seen (counted or not). */
  public int batches() {
    return batches.size();
  }

  /** Token rows held: at most k. */
  public int sampledTokens() {
    return rows.size();
  }

  /**
   * The k-th smallest token key held, once k tokens are held: no token with a larger key can join,
   * so profilers may skip them ({@link SummaryBuilder#tighten}).
   */
  public Optional<TokenKey> kthKey() {
    return rows.size() < k ? Optional.empty() : Optional.of(rows.lastKey().toProto());
  }

  /** Whether every batch seen is complete (see the class comment) and there is at least one. */
  public boolean complete() {
    return !batches.isEmpty() && open.isEmpty();
  }

  /**
   * Merges one summary record. Either the whole record is merged or, on error, nothing.
   *
   * @throws IllegalArgumentException if the record belongs to another stream (names the fields that
   *     differ: task, model, seed, k, padding, encoding), overlaps another batch without being it
   *     (names the samples and the batch), is malformed, or brings a token this state holds with
   *     different values
   */
  public MergeResult merge(ActivationSummary s) {
    String what = describe(s);
    if (!s.getConfig().equals(config)) {
      throw new IllegalArgumentException(
          what + " does not belong to this stream: " + Summaries.difference(config, s.getConfig()));
    }
    List<String> ids = s.getSampleIdsList();
    checkIds(ids, what);
    int chunk = s.getChunk();
    int chunks = s.getChunks();
    if (chunks < 1 || chunk < 0 || chunk >= chunks) {
      throw new IllegalArgumentException(
          what
              + ": chunk "
              + Integer.toUnsignedString(chunk)
              + " of "
              + Integer.toUnsignedString(chunks));
    }
    if ((chunk == 0) != s.hasStatistics()) {
      throw new IllegalArgumentException(what + ": statistics belong in chunk 0 and only there");
    }
    Totals stats = null;
    if (chunk == 0) {
      stats = Totals.from(s.getStatistics(), model, what);
      if (stats.samples != ids.size()) {
        throw new IllegalArgumentException(
            what
                + ": statistics count "
                + stats.samples
                + " samples, the summary names "
                + ids.size());
      }
    }
    Range range = null; // null: a chunk 0 with statistics only
    if (s.hasCovers()) {
      range = range(s.getCovers(), what);
    } else if (chunk != 0 || chunks == 1 || s.getRowsCount() > 0) {
      throw new IllegalArgumentException(
          what
              + ": no key range (covers); only a chunk 0 with"
              + " statistics and no rows, followed by other chunks, has none");
    }
    List<Key> keys = new ArrayList<>(s.getRowsCount());
    List<float[]> values = new ArrayList<>(s.getRowsCount());
    for (TokenRow r : s.getRowsList()) {
      Key key = Key.from(r.getKey(), config.getSeed(), what);
      if (Collections.binarySearch(ids, key.sampleId()) < 0) {
        throw new IllegalArgumentException(what + ": token " + key + " is not of this batch");
      }
      if (!keys.isEmpty() && keys.get(keys.size() - 1).compareTo(key) >= 0) {
        throw new IllegalArgumentException(what + ": rows are not in key order at token " + key);
      }
      if (!inside(key, range)) {
        throw new IllegalArgumentException(
            what + ": token " + key + " lies outside the" + " summary's key range");
      }
      keys.add(key);
      values.add(
          RowCodec.decode(
              r.getValues(), config.getRowEncoding(), rowValues, what + " token " + key));
    }
    Batch batch = batchFor(ids, what);
    for (int i = 0; i < keys.size(); i++) {
      float[] held = rows.get(keys.get(i));
      if (held != null && !Arrays.equals(held, values.get(i))) {
        throw new IllegalArgumentException(
            what
                + ": token "
                + keys.get(i)
                + " arrives with"
                + " activations that differ from the ones already merged (profiled with another"
                + " padding, runtime or model?)");
      }
    }

    // Checked: from here on nothing fails.
    if (batch == null) {
      batch = new Batch(ids);
      for (String id : ids) {
        batchOf.put(id, batch);
      }
      batches.put(ids.get(0), batch);
      open.add(batch);
    }
    boolean redelivered =
        chunk == 0 ? batch.counted : batch.complete || alreadyCovered(batch.covered, range);
    if (chunk == 0 && !batch.counted) {
      totals.add(stats);
      batch.counted = true;
    }
    List<Key> fresh = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      Key key = keys.get(i);
      if (!rows.containsKey(key) && (rows.size() < k || key.compareTo(rows.lastKey()) < 0)) {
        rows.put(key, values.get(i));
        fresh.add(key);
        if (rows.size() > k) {
          rows.pollLastEntry();
        }
      }
    }
    if (!batch.complete && range != null) {
      cover(batch.covered, range);
    }
    refresh();
    int added = (int) fresh.stream().filter(rows::containsKey).count();
    MergeResult.Outcome outcome =
        redelivered
            ? MergeResult.Outcome.REDELIVERED
            : chunk == 0 ? MergeResult.Outcome.COUNTED : MergeResult.Outcome.ROWS;
    return new MergeResult(outcome, ids, chunk, chunks, added);
  }

  /**
   * The features of everything merged: the k sampled tokens' activations in key order, and mean
   * |activation| per unit over all counted tokens (each sum rounded once, then divided).
   *
   * @throws IllegalStateException if nothing was merged, a batch is incomplete (names it and what
   *     is missing), or the samples hold fewer than k tokens
   */
  public ActivationFeatures toFeatures() {
    if (batches.isEmpty()) {
      throw new IllegalStateException("no summaries merged for task '" + config.getTask() + "'");
    }
    if (!open.isEmpty()) {
      Key kth = rows.size() < k ? null : rows.lastKey();
      List<String> why = new ArrayList<>();
      for (Batch b : open) {
        if (why.size() == 3) {
          why.add("...");
          break;
        }
        why.add(
            ids(b.ids)
                + (b.counted
                    ? " has token rows only up to "
                        + (b.covered.isEmpty() || b.covered.get(0).after() != null
                            ? "none"
                            : String.valueOf(b.covered.get(0).through()))
                        + ", the sampled tokens reach "
                        + (kth == null ? "the last key" : kth)
                    : " has no statistics (chunk 0)"));
      }
      throw new IllegalStateException(
          open.size()
              + " of "
              + batches.size()
              + " batches of task '"
              + config.getTask()
              + "' are incomplete (chunks missing): "
              + String.join("; ", why));
    }
    if (rows.size() < k) {
      throw new IllegalStateException(
          "asked for "
              + k
              + " sampled tokens, but the "
              + totals.samples
              + " samples hold only "
              + totals.tokens
              + " tokens");
    }
    if (totals.samples > Integer.MAX_VALUE) {
      throw new IllegalStateException(totals.samples + " samples: more than features count");
    }
    int dh = model.getHeadSize();
    List<LayerFeatures> layers = new ArrayList<>();
    int at = 0;
    for (int l = 0; l < model.getHeadsCount(); l++) {
      int w = model.getHeads(l) * dh;
      int f = model.getNeurons(l);
      float[] heads = new float[k * w];
      float[] neurons = new float[k * f];
      int r = 0;
      for (float[] row : rows.values()) {
        System.arraycopy(row, at, heads, r * w, w);
        System.arraycopy(row, at + w, neurons, r * f, f);
        r++;
      }
      at += w + f;
      double[] headSal = new double[model.getHeads(l)];
      double[] neuronSal = new double[f];
      for (int h = 0; h < headSal.length; h++) {
        headSal[h] = totals.heads[l].toDouble(h) / ((double) dh * totals.tokens);
      }
      for (int n = 0; n < f; n++) {
        neuronSal[n] = totals.neurons[l].toDouble(n) / totals.tokens;
      }
      layers.add(
          new LayerFeatures(
              new FloatTensor(new long[] {k, w}, heads),
              new FloatTensor(new long[] {k, f}, neurons),
              headSal,
              neuronSal));
    }
    return new ActivationFeatures(
        layers,
        dh,
        (int) totals.samples,
        totals.tokens,
        k,
        config.getSeed(),
        (double) totals.tokens / totals.samples);
  }

  /** The state as a message: the same merged summaries give the same bytes. */
  public ActivationState toProto() {
    ActivationState.Builder b = ActivationState.newBuilder().setConfig(config);
    for (Batch x : batches.values()) {
      BatchProgress.Builder p =
          BatchProgress.newBuilder()
              .addAllSampleIds(x.ids)
              .setCounted(x.counted)
              .setComplete(x.complete);
      for (Range r : x.covered) {
        p.addCovered(toProto(r));
      }
      b.addBatches(p);
    }
    b.setStatistics(totals.toProto());
    for (Map.Entry<Key, float[]> e : rows.entrySet()) {
      b.addRows(
          TokenRow.newBuilder()
              .setKey(e.getKey().toProto())
              .setValues(
                  RowCodec.encode(e.getValue(), config.getRowEncoding(), "token " + e.getKey())));
    }
    return b.build();
  }

  /**
   * Reads a state written by {@link #toProto}.
   *
   * @throws IllegalArgumentException if it is inconsistent (names what)
   */
  public static SummaryState fromProto(ActivationState p) {
    SummaryState st = new SummaryState(p.getConfig());
    String what = "state of task '" + p.getConfig().getTask() + "'";
    long counted = 0;
    for (BatchProgress bp : p.getBatchesList()) {
      List<String> ids = bp.getSampleIdsList();
      checkIds(ids, what);
      if (st.batchFor(ids, what) != null) {
        throw new IllegalArgumentException(what + ": batch " + ids(ids) + " appears twice");
      }
      Batch b = new Batch(ids);
      b.counted = bp.getCounted();
      b.complete = bp.getComplete();
      if (b.complete && (!b.counted || bp.getCoveredCount() > 0)) {
        throw new IllegalArgumentException(
            what
                + ": batch "
                + ids(ids)
                + " is complete but"
                + (b.counted ? " still lists key ranges" : " not counted"));
      }
      for (KeyRange r : bp.getCoveredList()) {
        cover(b.covered, st.range(r, what));
      }
      for (String id : ids) {
        st.batchOf.put(id, b);
      }
      st.batches.put(ids.get(0), b);
      if (!b.complete) {
        st.open.add(b);
      }
      counted += b.counted ? ids.size() : 0;
    }
    st.totals.add(Totals.from(p.getStatistics(), st.model, what));
    if (st.totals.samples != counted) {
      throw new IllegalArgumentException(
          what
              + ": statistics count "
              + st.totals.samples
              + " samples, its counted batches hold "
              + counted);
    }
    if (p.getRowsCount() > st.k) {
      throw new IllegalArgumentException(
          what + ": " + p.getRowsCount() + " token rows, k is " + st.k);
    }
    Key prev = null;
    for (TokenRow r : p.getRowsList()) {
      Key key = Key.from(r.getKey(), st.config.getSeed(), what);
      if (prev != null && prev.compareTo(key) >= 0) {
        throw new IllegalArgumentException(what + ": rows are not in key order at " + key);
      }
      if (!st.batchOf.containsKey(key.sampleId())) {
        throw new IllegalArgumentException(what + ": token " + key + " is of no batch");
      }
      st.rows.put(
          key,
          RowCodec.decode(
              r.getValues(), st.config.getRowEncoding(), st.rowValues, what + " token " + key));
      prev = key;
    }
    st.refresh();
    return st;
  }

  /** The batch these ids are, null if none of them was seen; refuses a partial overlap. */
  private Batch batchFor(List<String> ids, String what) {
    Batch found = null;
    int known = 0;
    for (String id : ids) {
      Batch b = batchOf.get(id);
      if (b != null) {
        known++;
        if (found == null) {
          found = b;
        } else if (b != found) {
          found = null;
          break;
        }
      }
    }
    if (known == 0) {
      return null;
    }
    if (found != null && known == ids.size() && found.ids.equals(ids)) {
      return found;
    }
    List<String> shared = new ArrayList<>();
    Set<List<String>> others = new LinkedHashSet<>();
    for (String id : ids) {
      Batch b = batchOf.get(id);
      if (b != null) {
        shared.add(id);
        others.add(b.ids);
      }
    }
    List<String> named = new ArrayList<>();
    for (List<String> o : others) {
      named.add(ids(o));
    }
    throw new IllegalArgumentException(
        what
            + " overlaps batch"
            + (named.size() > 1 ? "es " : " ")
            + String.join(", ", named)
            + " in samples "
            + ids(shared)
            + " without being the same"
            + " batch: batches are atomic, a redelivery must bring the same samples");
  }

  /** Marks complete every counted batch whose ranges reach the k-th smallest key. */
  private void refresh() {
    Key kth = rows.size() < k ? null : rows.lastKey();
    for (Iterator<Batch> it = open.iterator(); it.hasNext(); ) {
      Batch b = it.next();
      if (b.counted
          && !b.covered.isEmpty()
          && b.covered.get(0).after() == null
          && Key.atMost(kth, b.covered.get(0).through())) {
        b.complete = true;
        b.covered.clear();
        it.remove();
      }
    }
  }

  private Range range(KeyRange r, String what) {
    Key after = r.hasAfter() ? Key.from(r.getAfter(), config.getSeed(), what) : null;
    Key through = r.hasThrough() ? Key.from(r.getThrough(), config.getSeed(), what) : null;
    if (after != null && through != null && after.compareTo(through) >= 0) {
      throw new IllegalArgumentException(
          what + ": empty key range (" + after + ", " + through + "]");
    }
    return new Range(after, through);
  }

  private static KeyRange toProto(Range r) {
    KeyRange.Builder b = KeyRange.newBuilder();
    if (r.after() != null) {
      b.setAfter(r.after().toProto());
    }
    if (r.through() != null) {
      b.setThrough(r.through().toProto());
    }
    return b.build();
  }

  private static boolean inside(Key key, Range r) {
    return (r.after() == null || r.after().compareTo(key) < 0) && Key.atMost(key, r.through());
  }

  /** Whether lower end a is at most lower end b (null: from the smallest key). */
  private static boolean lowerAtMost(Key a, Key b) {
    return a == null || (b != null && a.compareTo(b) <= 0);
  }

  private static boolean alreadyCovered(List<Range> covered, Range r) {
    for (Range x : covered) {
      if (lowerAtMost(x.after(), r.after()) && Key.atMost(r.through(), x.through())) {
        return true;
      }
    }
    return false;
  }

  /** Adds r to the union, joining the ranges it overlaps or touches. */
  private static void cover(List<Range> covered, Range r) {
    Key after = r.after();
    Key through = r.through();
    for (Iterator<Range> it = covered.iterator(); it.hasNext(); ) {
      Range x = it.next();
      // (a1, b1] and (a2, b2] overlap or touch iff a1 <= b2 and a2 <= b1.
      boolean joins =
          (x.after() == null || Key.atMost(x.after(), through))
              && (after == null || Key.atMost(after, x.through()));
      if (joins) {
        after = lowerAtMost(x.after(), after) ? x.after() : after;
        through = Key.atMost(through, x.through()) ? x.through() : through;
        it.remove();
      }
    }
    int at = 0;
    while (at < covered.size() && lowerAtMost(covered.get(at).after(), after)) {
      at++;
    }
    covered.add(at, new Range(after, through));
  }

  private static void checkIds(List<String> ids, String what) {
    if (ids.isEmpty()) {
      throw new IllegalArgumentException(what + ": no sample ids");
    }
    for (int i = 0; i < ids.size(); i++) {
      if (ids.get(i).isEmpty() || (i > 0 && ids.get(i - 1).compareTo(ids.get(i)) >= 0)) {
        throw new IllegalArgumentException(
            what
                + ": sample ids must be non-empty, sorted and"
                + " distinct; '"
                + ids.get(i)
                + "' at index "
                + i
                + " is not");
      }
    }
  }

  private static String describe(ActivationSummary s) {
    return "summary of batch "
        + ids(s.getSampleIdsList())
        + " (task '"
        + s.getConfig().getTask()
        + "', chunk "
        + s.getChunk()
        + " of "
        + s.getChunks()
        + ")";
  }

  /** Up to 5 ids and the count, for messages. */
  private static String ids(List<String> ids) {
    List<String> shown = ids.size() <= 5 ? ids : ids.subList(0, 5);
    return "["
        + String.join(", ", shown)
        + (ids.size() > 5 ? ", ... " + ids.size() + " samples" : "")
        + "]";
  }
}
