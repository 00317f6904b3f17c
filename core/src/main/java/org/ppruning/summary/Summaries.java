package org.ppruning.summary;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.ppruning.features.TokenSampler;
import org.ppruning.model.LayerSpec;
import org.ppruning.model.ModelSpec;
import org.ppruning.summary.proto.ActivationSummary;
import org.ppruning.summary.proto.BatchSource;
import org.ppruning.summary.proto.ModelFingerprint;
import org.ppruning.summary.proto.RowEncoding;
import org.ppruning.summary.proto.SummaryConfig;

/**
 * Configurations of summary streams: which model, task and token sampling a summary belongs to, and
 * the padding and run rules that make activations independent of batching.
 */
public final class Summaries {
  /** Samples are padded to a multiple of 8 tokens: little padding, few distinct batch shapes. */
  public static final int DEFAULT_PAD_MULTIPLE = 8;

  /** Rows of every {@code profile} run: near larger runs' throughput on MiniLM, little filler. */
  public static final int DEFAULT_ROWS_PER_RUN = 8;

  /** Seed of a sample's row hash: fixed, so its row does not change with the stream's seed. */
  private static final long ROW_SEED = 0x726f7773L; // "rows"

  /**
   * The source of the batch command's batches, numbered 0, 1, 2, ... ({@link FeatureCollector}).
   */
  public static final String BATCH_COMMAND_SOURCE = "batch-command";

  private Summaries() {}

  /** The positions [first, end) of source {@code stream}: a batch's identity in a state. */
  public static BatchSource source(String stream, long first, long end) {
    return BatchSource.newBuilder().setStream(stream).setFirst(first).setEnd(end).build();
  }

  /** The profiler's source name of a samples topic partition: {@code "<topic>/<partition>"}. */
  public static String partitionSource(String topic, int partition) {
    return topic + "/" + partition;
  }

  /** One batch's records (its chunks) with {@code source} set in each. */
  public static List<ActivationSummary> at(BatchSource source, List<ActivationSummary> records) {
    List<ActivationSummary> out = new ArrayList<>(records.size());
    for (ActivationSummary r : records) {
      out.add(r.toBuilder().setSource(source).build());
    }
    return out;
  }

  /** The fingerprint of {@code spec}: its structure's SHA-256 plus the layer widths. */
  public static ModelFingerprint fingerprint(ModelSpec spec) {
    StringBuilder s =
        new StringBuilder("ppruning-fingerprint/1\n")
            .append(spec.architecture())
            .append('\n')
            .append(spec.source())
            .append('\n')
            .append(spec.vocabSize())
            .append(' ')
            .append(spec.hiddenSize())
            .append(' ')
            .append(spec.headSize())
            .append(' ')
            .append(spec.maxPositions())
            .append(' ')
            .append(spec.typeVocabSize())
            .append(' ')
            .append(spec.hiddenAct())
            .append(' ')
            .append(Double.toHexString(spec.layerNormEps()))
            .append(' ')
            .append(spec.pooler())
            .append(' ')
            .append(spec.mlmHead())
            .append(' ')
            .append(spec.originalHeads())
            .append(' ')
            .append(spec.originalFfn())
            .append('\n');
    ModelFingerprint.Builder b =
        ModelFingerprint.newBuilder()
            .setSource(spec.source() == null ? "" : spec.source())
            .setHeadSize(spec.headSize())
            .setMaxPositions(spec.maxPositions());
    for (LayerSpec l : spec.layers()) {
      s.append(Arrays.toString(l.keptHeads()))
          .append(Arrays.toString(l.keptNeurons()))
          .append('\n');
      b.addHeads(l.heads()).addNeurons(l.ffn());
    }
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256")
              .digest(s.toString().getBytes(StandardCharsets.UTF_8));
      return b.setDigest(ByteString.copyFrom(d)).build();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e); // every JVM must have it
    }
  }

  /**
   * The default configuration: float32 rows, samples padded to multiples of 8 tokens, runs of 8
   * rows.
   */
  public static SummaryConfig config(String task, ModelSpec spec, long seed, int tokens) {
    return config(task, spec, seed, tokens, DEFAULT_ROWS_PER_RUN);
  }

  /** The default configuration with runs of {@code rowsPerRun} rows. */
  public static SummaryConfig config(
      String task, ModelSpec spec, long seed, int tokens, int rowsPerRun) {
    return config(
        task,
        spec,
        seed,
        tokens,
        DEFAULT_PAD_MULTIPLE,
        RowEncoding.ROW_ENCODING_FLOAT32,
        rowsPerRun);
  }

  /** A configuration with runs of {@link #DEFAULT_ROWS_PER_RUN} rows. */
  public static SummaryConfig config(
      String task, ModelSpec spec, long seed, int tokens, int padMultiple, RowEncoding encoding) {
    return config(task, spec, seed, tokens, padMultiple, encoding, DEFAULT_ROWS_PER_RUN);
  }

  /**
   * A configuration for summaries of {@code task} on {@code spec}.
   *
   * @param tokens k, the sampled tokens whose activations become unit features
   * @param padMultiple every sample is padded to its length rounded up to a multiple of this
   * @param encoding how token rows store values
   * @param rowsPerRun the rows of every {@code profile} run ({@link #row})
   */
  public static SummaryConfig config(
      String task,
      ModelSpec spec,
      long seed,
      int tokens,
      int padMultiple,
      RowEncoding encoding,
      int rowsPerRun) {
    SummaryConfig c =
        SummaryConfig.newBuilder()
            .setTask(task == null ? "" : task)
            .setModel(fingerprint(spec))
            .setSeed(seed)
            .setTokens(tokens)
            .setPadMultiple(padMultiple)
            .setRowEncoding(encoding)
            .setRowsPerRun(rowsPerRun)
            .build();
    check(c);
    return c;
  }

  /** The most compensation rows a stream may keep (as {@code prune --compensation-rows}). */
  public static final int MAX_COMPENSATION_ROWS = 65_536;

  /**
   * {@code config} keeping {@code rows} compensation rows: the stream then keeps the max(tokens,
   * rows) smallest token keys, the first k of which are still the features. 0: none beyond k.
   */
  public static SummaryConfig withCompensationRows(SummaryConfig config, int rows) {
    SummaryConfig c = config.toBuilder().setCompensationRows(rows).build();
    check(c);
    return c;
  }

  /**
   * The token rows the stream keeps: max(tokens, compensation_rows). Builders send and states keep
   * the tokens with this many smallest keys (the bottom-k rule with this cap).
   */
  public static int keptRows(SummaryConfig c) {
    return Math.max(c.getTokens(), c.getCompensationRows());
  }

  /** Refuses a configuration with a missing or impossible field, naming it. */
  static void check(SummaryConfig c) {
    ModelFingerprint m = c.getModel();
    List<String> bad = new ArrayList<>();
    if (c.getTask().isEmpty()) {
      bad.add("task is empty");
    }
    if (m.getDigest().size() != 32) {
      bad.add("model digest has " + m.getDigest().size() + " bytes, expected 32 (SHA-256)");
    }
    if (m.getHeadSize() <= 0 || m.getMaxPositions() <= 0) {
      bad.add(
          "model head_size "
              + m.getHeadSize()
              + " and max_positions "
              + m.getMaxPositions()
              + " must be > 0");
    }
    if (m.getHeadsCount() == 0 || m.getHeadsCount() != m.getNeuronsCount()) {
      bad.add(
          "model has "
              + m.getHeadsCount()
              + " head counts and "
              + m.getNeuronsCount()
              + " neuron counts (one per layer, at least one layer)");
    }
    if (c.getTokens() <= 0) {
      bad.add("tokens (k) must be > 0, got " + Integer.toUnsignedString(c.getTokens()));
    }
    if (c.getPadMultiple() <= 0) {
      bad.add("pad_multiple must be > 0, got " + Integer.toUnsignedString(c.getPadMultiple()));
    }
    if (c.getRowEncoding() != RowEncoding.ROW_ENCODING_FLOAT32
        && c.getRowEncoding() != RowEncoding.ROW_ENCODING_FLOAT16) {
      bad.add("row_encoding " + c.getRowEncoding() + " is not supported");
    }
    if (c.getRowsPerRun() <= 0) {
      bad.add(
          "rows_per_run must be > 0, got "
              + Integer.toUnsignedString(c.getRowsPerRun())
              + (c.getRowsPerRun() == 0
                  ? " (unset: a summary of a profiler before fixed runs)"
                  : ""));
    }
    if (Integer.compareUnsigned(c.getCompensationRows(), MAX_COMPENSATION_ROWS) > 0) {
      bad.add(
          "compensation_rows must be in [0, "
              + MAX_COMPENSATION_ROWS
              + "], got "
              + Integer.toUnsignedString(c.getCompensationRows()));
    }
    if (!bad.isEmpty()) {
      throw new IllegalArgumentException(
          "summary config of task '" + c.getTask() + "': " + String.join("; ", bad));
    }
  }

  /**
   * The padded length of a sample of {@code length} tokens: its length rounded up to a multiple of
   * the configuration's pad multiple, at most the model's positions. It depends on nothing but the
   * sample, which is what makes activations independent of batching.
   */
  public static int paddedLength(int length, SummaryConfig c) {
    int max = c.getModel().getMaxPositions();
    if (length <= 0 || length > max) {
      throw new IllegalArgumentException(
          "a sample of " + length + " tokens cannot be profiled:" + " the model takes 1 to " + max);
    }
    long m = c.getPadMultiple();
    return (int) Math.min(max, (length + m - 1) / m * m);
  }

  /**
   * The row of every {@code profile} run that sample {@code id} is profiled in. The matrix kernels
   * may round a token differently in another row of the run, so it depends on the id alone: any
   * grouping of samples gives every token the same values.
   */
  public static int row(String id, SummaryConfig c) {
    return (int)
        Long.remainderUnsigned(
            TokenSampler.hash(id, 0, ROW_SEED), Integer.toUnsignedLong(c.getRowsPerRun()));
  }

  /** Values in one token row: per layer, heads * head_size context values and the neurons. */
  static int rowValues(ModelFingerprint m) {
    int n = 0;
    for (int l = 0; l < m.getHeadsCount(); l++) {
      n += m.getHeads(l) * m.getHeadSize() + m.getNeurons(l);
    }
    return n;
  }

  /** What differs between two configurations, for error messages ("" if nothing). */
  static String difference(SummaryConfig want, SummaryConfig got) {
    List<String> d = new ArrayList<>();
    if (!want.getTask().equals(got.getTask())) {
      d.add("task '" + got.getTask() + "', expected '" + want.getTask() + "'");
    }
    if (!want.getModel().equals(got.getModel())) {
      d.add(
          "model '"
              + got.getModel().getSource()
              + "' (digest "
              + hex(got.getModel())
              + ", heads "
              + got.getModel().getHeadsList()
              + ", neurons "
              + got.getModel().getNeuronsList()
              + "), expected '"
              + want.getModel().getSource()
              + "' (digest "
              + hex(want.getModel())
              + ", heads "
              + want.getModel().getHeadsList()
              + ", neurons "
              + want.getModel().getNeuronsList()
              + ")");
    }
    if (want.getSeed() != got.getSeed()) {
      d.add("seed " + got.getSeed() + ", expected " + want.getSeed());
    }
    if (want.getTokens() != got.getTokens()) {
      d.add("tokens " + got.getTokens() + ", expected " + want.getTokens());
    }
    if (want.getPadMultiple() != got.getPadMultiple()) {
      d.add("pad_multiple " + got.getPadMultiple() + ", expected " + want.getPadMultiple());
    }
    if (want.getRowEncoding() != got.getRowEncoding()) {
      d.add("row_encoding " + got.getRowEncoding() + ", expected " + want.getRowEncoding());
    }
    if (want.getRowsPerRun() != got.getRowsPerRun()) {
      d.add(
          "rows_per_run "
              + Integer.toUnsignedString(got.getRowsPerRun())
              + ", expected "
              + Integer.toUnsignedString(want.getRowsPerRun()));
    }
    if (want.getCompensationRows() != got.getCompensationRows()) {
      d.add(
          "compensation_rows "
              + Integer.toUnsignedString(got.getCompensationRows())
              + (got.getCompensationRows() == 0
                  ? " (a summary without compensation rows: a profiler before them, or its"
                      + " compensation-rows unset)"
                  : "")
              + ", expected "
              + Integer.toUnsignedString(want.getCompensationRows()));
    }
    if (d.isEmpty() && !want.equals(got)) {
      d.add("fields this reader does not know differ");
    }
    return String.join("; ", d);
  }

  private static String hex(ModelFingerprint m) {
    String h = HexFormat.of().formatHex(m.getDigest().toByteArray());
    return h.length() > 12 ? h.substring(0, 12) + "..." : h;
  }
}
