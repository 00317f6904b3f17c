package org.ppruning.summary;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.features.LayerFeatures;
import org.ppruning.model.FloatTensor;
import org.ppruning.summary.proto.ActivationState;
import org.ppruning.summary.proto.ActivationSummary;
import org.ppruning.summary.proto.BatchProgress;
import org.ppruning.summary.proto.BatchSource;
import org.ppruning.summary.proto.KeyRange;
import org.ppruning.summary.proto.ModelFingerprint;
import org.ppruning.summary.proto.SourceProgress;
import org.ppruning.summary.proto.SummaryConfig;
import org.ppruning.summary.proto.TokenKey;
import org.ppruning.summary.proto.TokenRow;

/**
 * The merge of activation summaries for one stream (task, model, sampling): exact bottom-k token
 * rows, exact salience sums and counts, and which batches were counted. Merging is order
 * independent: any order or grouping of the same summaries gives the same state, bit for bit
 * ({@link #toProto} serialises to the same bytes), because
 *
 * <ul>
 *   <li>token rows form a set (the same token twice is one token, and must carry the same values)
 *       of which the k smallest keys are kept;
 *   <li>salience sums are exact ({@code ExactSums}), so addition is associative;
 *   <li>statistics count once per batch, recognised by its source position ({@link BatchSource}: a
 *       source and the positions [first, end) of the batch in it): a chunk 0 whose positions were
 *       counted already is a redelivery and is not counted again, and a summary whose positions
 *       overlap another batch's without being the same range is refused (batches are atomic);
 *   <li>completeness is a property of the merged content: a batch is complete once it is counted
 *       and its chunks' key ranges cover every key up to the k-th smallest row.
 * </ul>
 *
 * <p>Bounded: a complete batch is kept only as its positions, joined with the touching positions of
 * the same source into one range, so the state grows with the number of sources and of gaps between
 * their complete batches, and with the batches still open, never with the samples merged. Sample
 * ids are checked within a record (every row belongs to one of its samples) and not kept.
 *
 * <p>Not thread safe.
 */
public final class SummaryState {
  private final SummaryConfig config;
  private final ModelFingerprint model;
  private final int k; // rows kept: Summaries.keptRows (tokens, or more compensation rows)
  private final int featureRows; // the first of them that are features: tokens
  private final int rowValues;
  private final Totals totals;
  private final TreeMap<Key, float[]> rows = new TreeMap<>();
  // Per source, the positions of its complete batches: first -> end, disjoint and not touching.
  private final TreeMap<String, TreeMap<Long, Long>> counted = new TreeMap<>();
  // The batches not complete yet, by source and first position.
  private final TreeMap<String, TreeMap<Long, Batch>> open = new TreeMap<>();
  private long batchesSeen;

  /** The layout {@link #toProto} writes and {@link #fromProto} reads. */
  public static final int FORMAT = 2;

  /** A batch whose tokens have not all arrived: whether it is counted, which key ranges came. */
  private static final class Batch {
    final String stream;
    final long first;
    final long end;
    final int samples;
    boolean counted;
    final List<Range> covered = new ArrayList<>(); // disjoint, not touching, by lower end

    Batch(String stream, long first, long end, int samples) {
      this.stream = stream;
      this.first = first;
      this.end = end;
      this.samples = samples;
    }

    @Override
    public String toString() {
      return position(stream, first, end);
    }
  }

  /** Keys in (after, through]; null ends are unbounded. */
  private record Range(Key after, Key through) {}

  /** An empty state for {@code config}. */
  public SummaryState(SummaryConfig config) {
    Summaries.check(config);
    this.config = config;
    this.model = config.getModel();
    this.k = Summaries.keptRows(config);
    this.featureRows = config.getTokens();
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

  /** Distinct batches merged (counted or not). */
  public long batches() {
    return batchesSeen;
  }

  /** Batches merged that are not complete yet (see the class comment). */
  public int openBatches() {
    int n = 0;
    for (TreeMap<Long, Batch> m : open.values()) {
      n += m.size();
    }
    return n;
  }

  /** Ranges of positions the state keeps for its complete batches, over all sources. */
  public int countedRanges() {
    int n = 0;
    for (TreeMap<Long, Long> m : counted.values()) {
      n += m.size();
    }
    return n;
  }

  /** Token rows held: at most k ({@link Summaries#keptRows}). */
  public int sampledTokens() {
    return rows.size();
  }

  /**
   * The k-th smallest token key held, once k tokens are held (k = {@link Summaries#keptRows}): no
   * token with a larger key can join, so profilers may skip them ({@link SummaryBuilder#tighten}).
   */
  public Optional<TokenKey> kthKey() {
    return rows.size() < k ? Optional.empty() : Optional.of(rows.lastKey().toProto());
  }

  /**
   * The compensation's regression rows: the held token rows with the {@code compensation_rows}
   * smallest keys, in key order (fewer if the samples hold fewer tokens; none if the configuration
   * carries no compensation rows). Each is one profiled token: per layer, heads x head_size
   * attention context values, then the FFN activations. The arrays are the state's own: read only.
   */
  public List<float[]> compensationRows() {
    int n = Math.min(config.getCompensationRows(), rows.size());
    List<float[]> out = new ArrayList<>(n);
    for (float[] r : rows.values()) {
      if (out.size() == n) {
        break;
      }
      out.add(r);
    }
    return Collections.unmodifiableList(out);
  }

  /** Whether every batch seen is complete (see the class comment) and there is at least one. */
  public boolean complete() {
    return batchesSeen > 0 && open.isEmpty();
  }

  /**
   * Merges one summary record. Either the whole record is merged or, on error, nothing.
   *
   * @throws IllegalArgumentException if the record belongs to another stream (names the fields that
   *     differ: task, model, seed, k, padding, encoding), has no source position, overlaps another
   *     batch's positions without being it (names both), is malformed, or brings a token this state
   *     holds with different values
   */
  public MergeResult merge(ActivationSummary s) {
    String what = describe(s);
    if (!s.getConfig().equals(config)) {
      throw new IllegalArgumentException(
          what + " does not belong to this stream: " + Summaries.difference(config, s.getConfig()));
    }
    List<String> ids = s.getSampleIdsList();
    checkIds(ids, what);
    checkSource(s.getSource(), s.hasSource(), what);
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
    BatchSource src = s.getSource();
    Batch batch = batchFor(src, ids.size(), what);
    if (batch == DONE) {
      // Complete already: every row of it that can be among the k smallest is held.
      return new MergeResult(MergeResult.Outcome.REDELIVERED, ids, chunk, chunks, 0);
    }
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
      batch = new Batch(src.getStream(), src.getFirst(), src.getEnd(), ids.size());
      open.computeIfAbsent(batch.stream, x -> new TreeMap<>()).put(batch.first, batch);
      batchesSeen++;
    }
    boolean redelivered = chunk == 0 ? batch.counted : alreadyCovered(batch.covered, range);
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
    if (range != null) {
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
   * The features of everything merged: the first {@code tokens} sampled tokens' activations in key
   * order (with compensation rows the state holds more; the bottom-k of them are the same tokens),
   * and mean |activation| per unit over all counted tokens (each sum rounded once, then divided).
   *
   * @throws IllegalStateException if nothing was merged, a batch is incomplete (names it and what
   *     is missing), or the samples hold fewer than k tokens
   */
  public ActivationFeatures toFeatures() {
    if (batchesSeen == 0) {
      throw new IllegalStateException("no summaries merged for task '" + config.getTask() + "'");
    }
    if (!open.isEmpty()) {
      Key kth = rows.size() < k ? null : rows.lastKey();
      List<String> why = new ArrayList<>();
      for (Batch b : openList()) {
        if (why.size() == 3) {
          why.add("...");
          break;
        }
        why.add(
            "batch "
                + b
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
          openBatches()
              + " of "
              + batchesSeen
              + " batches of task '"
              + config.getTask()
              + "' are incomplete (chunks missing): "
              + String.join("; ", why));
    }
    if (rows.size() < featureRows) {
      throw new IllegalStateException(
          "asked for "
              + featureRows
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
      float[] heads = new float[featureRows * w];
      float[] neurons = new float[featureRows * f];
      int r = 0;
      for (float[] row : rows.values()) {
        if (r == featureRows) {
          break; // the rest are compensation rows only
        }
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
              new FloatTensor(new long[] {featureRows, w}, heads),
              new FloatTensor(new long[] {featureRows, f}, neurons),
              headSal,
              neuronSal));
    }
    return new ActivationFeatures(
        layers,
        dh,
        (int) totals.samples,
        totals.tokens,
        featureRows,
        config.getSeed(),
        (double) totals.tokens / totals.samples);
  }

  /** The state as a message: the same merged summaries give the same bytes. */
  public ActivationState toProto() {
    ActivationState.Builder b =
        ActivationState.newBuilder()
            .setConfig(config)
            .setFormat(FORMAT)
            .setBatchesSeen(batchesSeen);
    for (Map.Entry<String, TreeMap<Long, Long>> e : counted.entrySet()) {
      SourceProgress.Builder p = SourceProgress.newBuilder().setStream(e.getKey());
      e.getValue()
          .forEach(
              (first, end) -> {
                p.addCounted(first);
                p.addCounted(end);
              });
      b.addSources(p);
    }
    for (Batch x : openList()) {
      BatchProgress.Builder p =
          BatchProgress.newBuilder()
              .setSource(Summaries.source(x.stream, x.first, x.end))
              .setSamples(x.samples)
              .setCounted(x.counted);
      for (Range r : x.covered) {
        p.addCovered(toProto(r));
      }
      b.addOpen(p);
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
   * @throws IllegalArgumentException if it is in another format (a state of format 1, which listed
   *     batches by their sample ids, is refused: it cannot be migrated, since it does not say which
   *     positions its batches covered) or inconsistent (names what)
   */
  public static SummaryState fromProto(ActivationState p) {
    SummaryState st = new SummaryState(p.getConfig());
    String what = "state of task '" + p.getConfig().getTask() + "'";
    if (p.getFormat() != FORMAT) {
      throw new IllegalArgumentException(
          what
              + " is in format "
              + (p.getFormat() == 0 ? "1 (batches listed by sample ids)" : p.getFormat())
              + "; this version reads format "
              + FORMAT
              + " (batches known by source position) only and cannot convert it, since it does"
              + " not say which positions its batches covered: delete the checkpoint to start"
              + " over, and profile the samples again with a profiler of this version");
    }
    String prevStream = null;
    for (SourceProgress sp : p.getSourcesList()) {
      String stream = sp.getStream();
      if (stream.isEmpty() || (prevStream != null && prevStream.compareTo(stream) >= 0)) {
        throw new IllegalArgumentException(
            what + ": sources must be named, sorted and distinct; '" + stream + "' is not");
      }
      prevStream = stream;
      List<Long> bounds = sp.getCountedList();
      if (bounds.isEmpty() || bounds.size() % 2 != 0) {
        throw new IllegalArgumentException(
            what + ": source '" + stream + "' has " + bounds.size() + " bounds, not pairs");
      }
      TreeMap<Long, Long> ranges = new TreeMap<>();
      long prevEnd = -1;
      for (int i = 0; i < bounds.size(); i += 2) {
        long first = bounds.get(i);
        long end = bounds.get(i + 1);
        if (first < 0 || end <= first || first <= prevEnd) {
          throw new IllegalArgumentException(
              what
                  + ": source '"
                  + stream
                  + "' has range "
                  + position(stream, first, end)
                  + " that is empty, out of order, or touches the one before");
        }
        ranges.put(first, end);
        prevEnd = end;
      }
      st.counted.put(stream, ranges);
    }
    long countedOpen = 0;
    for (BatchProgress bp : p.getOpenList()) {
      BatchSource src = bp.getSource();
      checkSource(src, bp.hasSource(), what);
      Batch found = st.batchFor(src, bp.getSamples(), what);
      if (found != null) {
        throw new IllegalArgumentException(
            what + ": open batch " + position(src) + " appears twice or is also counted");
      }
      if (bp.getSamples() <= 0) {
        throw new IllegalArgumentException(
            what + ": open batch " + position(src) + " has no samples");
      }
      Batch b = new Batch(src.getStream(), src.getFirst(), src.getEnd(), bp.getSamples());
      b.counted = bp.getCounted();
      for (KeyRange r : bp.getCoveredList()) {
        cover(b.covered, st.range(r, what));
      }
      st.open.computeIfAbsent(b.stream, x -> new TreeMap<>()).put(b.first, b);
      countedOpen += b.counted ? b.samples : 0;
    }
    st.batchesSeen = p.getBatchesSeen();
    if (st.batchesSeen < st.openBatches() + st.countedRanges()) {
      throw new IllegalArgumentException(
          what
              + ": "
              + st.batchesSeen
              + " batches seen, fewer than its "
              + st.openBatches()
              + " open batches and "
              + st.countedRanges()
              + " counted ranges");
    }
    st.totals.add(Totals.from(p.getStatistics(), st.model, what));
    if (st.totals.samples < countedOpen) {
      throw new IllegalArgumentException(
          what
              + ": statistics count "
              + st.totals.samples
              + " samples, its counted open batches alone hold "
              + countedOpen);
    }
    if (p.getRowsCount() > st.k) {
      throw new IllegalArgumentException(
          what
              + ": "
              + p.getRowsCount()
              + " token rows, the stream keeps at most "
              + st.k
              + " (max of tokens and compensation rows)");
    }
    Key prev = null;
    for (TokenRow r : p.getRowsList()) {
      Key key = Key.from(r.getKey(), st.config.getSeed(), what);
      if (prev != null && prev.compareTo(key) >= 0) {
        throw new IllegalArgumentException(what + ": rows are not in key order at " + key);
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

  /** Marks a complete batch: {@link #batchFor} found its positions counted. */
  private static final Batch DONE = new Batch("", 0, 1, 1);

  /**
   * The batch at {@code src}: {@link #DONE} if its positions are counted, the open batch at exactly
   * these positions, or null if no batch overlaps them; refuses a partial overlap, and an open
   * batch at these positions with another number of samples.
   */
  private Batch batchFor(BatchSource src, int samples, String what) {
    String stream = src.getStream();
    long first = src.getFirst();
    long end = src.getEnd();
    TreeMap<Long, Long> done = counted.get(stream);
    if (done != null) {
      Map.Entry<Long, Long> below = done.floorEntry(first);
      if (below != null && end <= below.getValue()) {
        return DONE;
      }
      Map.Entry<Long, Long> over = done.lowerEntry(end);
      if (over != null && over.getValue() > first) {
        throw overlap(src, position(stream, over.getKey(), over.getValue()), "counted", what);
      }
    }
    TreeMap<Long, Batch> opened = open.get(stream);
    if (opened != null) {
      Map.Entry<Long, Batch> over = opened.lowerEntry(end);
      if (over != null && over.getValue().end > first) {
        Batch b = over.getValue();
        if (b.first != first || b.end != end) {
          throw overlap(src, b.toString(), "open", what);
        }
        if (b.samples != samples) {
          throw new IllegalArgumentException(
              what
                  + " names "
                  + samples
                  + " samples, the batch already merged at "
                  + b
                  + " had "
                  + b.samples
                  + ": a redelivery must bring the same samples");
        }
        return b;
      }
    }
    return null;
  }

  private static IllegalArgumentException overlap(
      BatchSource src, String other, String kind, String what) {
    return new IllegalArgumentException(
        what
            + " at "
            + position(src)
            + " overlaps the "
            + kind
            + " batch positions "
            + other
            + " without being the same range: batches are atomic, a redelivery must bring the"
            + " same positions");
  }

  /** Marks complete every counted batch whose ranges reach the k-th smallest key. */
  private void refresh() {
    Key kth = rows.size() < k ? null : rows.lastKey();
    for (Iterator<TreeMap<Long, Batch>> streams = open.values().iterator(); streams.hasNext(); ) {
      TreeMap<Long, Batch> m = streams.next();
      for (Iterator<Batch> it = m.values().iterator(); it.hasNext(); ) {
        Batch b = it.next();
        if (b.counted
            && !b.covered.isEmpty()
            && b.covered.get(0).after() == null
            && Key.atMost(kth, b.covered.get(0).through())) {
          it.remove();
          markCounted(b.stream, b.first, b.end);
        }
      }
      if (m.isEmpty()) {
        streams.remove();
      }
    }
  }

  /** Adds [first, end) to the source's counted positions, joining the ranges it touches. */
  private void markCounted(String stream, long first, long end) {
    TreeMap<Long, Long> m = counted.computeIfAbsent(stream, x -> new TreeMap<>());
    Map.Entry<Long, Long> before = m.floorEntry(first);
    if (before != null && before.getValue() >= first) {
      first = before.getKey();
      end = Math.max(end, before.getValue());
      m.remove(before.getKey());
    }
    Map.Entry<Long, Long> after = m.ceilingEntry(first);
    while (after != null && after.getKey() <= end) {
      end = Math.max(end, after.getValue());
      m.remove(after.getKey());
      after = m.ceilingEntry(first);
    }
    m.put(first, end);
  }

  private List<Batch> openList() {
    List<Batch> all = new ArrayList<>();
    for (TreeMap<Long, Batch> m : open.values()) {
      all.addAll(m.values());
    }
    return all;
  }

  private static void checkSource(BatchSource src, boolean present, String what) {
    if (!present) {
      throw new IllegalArgumentException(
          what
              + ": no source position (BatchSource): summaries of an older profiler, which named"
              + " batches by sample ids only, are refused");
    }
    if (src.getStream().isEmpty()) {
      throw new IllegalArgumentException(what + ": the source position names no source (stream)");
    }
    if (src.getFirst() < 0 || src.getEnd() < 0 || src.getEnd() <= src.getFirst()) {
      throw new IllegalArgumentException(
          what
              + ": source position "
              + position(src)
              + " is empty or beyond 2^63-1 (end must be greater than first)");
    }
  }

  private static String position(BatchSource src) {
    return src.getStream()
        + " ["
        + Long.toUnsignedString(src.getFirst())
        + ", "
        + Long.toUnsignedString(src.getEnd())
        + ")";
  }

  private static String position(String stream, long first, long end) {
    return stream + " [" + first + ", " + end + ")";
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
        + (s.hasSource() ? position(s.getSource()) + " " : "")
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
