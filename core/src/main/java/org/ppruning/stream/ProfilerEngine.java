package org.ppruning.stream;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.ppruning.data.Sample;
import org.ppruning.graph.TransformerModel;
import org.ppruning.pruning.compensation.CompensationSettings;
import org.ppruning.pruning.run.PruneSettings;
import org.ppruning.summary.FeatureCollector;
import org.ppruning.summary.ProfileBatch;
import org.ppruning.summary.SampleEncoding;
import org.ppruning.summary.Summaries;
import org.ppruning.summary.SummaryBuilder;
import org.ppruning.summary.TokenizedSample;
import org.ppruning.summary.proto.ActivationSummary;
import org.ppruning.summary.proto.BatchSource;
import org.ppruning.summary.proto.SummaryConfig;
import org.ppruning.tokenize.TextTokenizer;

/**
 * The profiler without Kafka: turns one batch of validated samples into activation summary records,
 * one summary (one atomic batch, possibly several chunks) per task. Samples are encoded, grouped
 * and summarised exactly as {@link FeatureCollector} does ({@link SampleEncoding}, {@link
 * ProfileBatch#group}, {@link SummaryBuilder}, {@link Summaries#config}), so the merged summaries
 * equal the batch command's features for the same samples, seed and k.
 *
 * <p>Deterministic: the same items in the same order give the same summaries' sample ids and, for a
 * fresh engine, the same bytes. Samples it cannot profile come back as {@link Rejection}s with
 * their index; a truncated sample is profiled and listed in {@link Result#truncated}. Not thread
 * safe (each task's {@link SummaryBuilder} carries its running threshold).
 */
public final class ProfilerEngine {

  /** What to do with a sample longer than the model's positions. */
  public enum TooLong {
    /** Cut it longest-first to the model's positions; counted and listed, never silent. */
    TRUNCATE,
    /** Reject it as {@link RejectReason#TOO_LONG}. */
    REJECT;

    /** {@code truncate} or {@code reject}. */
    public static TooLong parse(String s) {
      try {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new IllegalArgumentException(
            "too-long policy must be truncate or reject, got '" + s + "'");
      }
    }
  }

  /**
   * @param seed token sampling seed (the batch command's {@code --seed})
   * @param tokens k, the sampled tokens ({@code --tokens})
   * @param runSize the rows of every {@code profile} run: the summaries' {@code rows_per_run},
   *     which a pruner's must equal ({@link Summaries#DEFAULT_ROWS_PER_RUN}) or it refuses them
   * @param maxSummaryBytes the largest summary record
   * @param tooLong the policy for samples over the model's positions
   * @param compensationRows token rows kept for the pruner's compensation: the summaries' {@code
   *     compensation_rows} (the stream keeps the max(tokens, this) smallest token keys), 0 for
   *     none; a pruner's must be equal or it refuses the summaries
   */
  public record Settings(
      long seed,
      int tokens,
      int runSize,
      int maxSummaryBytes,
      TooLong tooLong,
      int compensationRows) {
    /** Without compensation rows. */
    public Settings(long seed, int tokens, int runSize, int maxSummaryBytes, TooLong tooLong) {
      this(seed, tokens, runSize, maxSummaryBytes, tooLong, 0);
    }

    public Settings {
      if (compensationRows != 0) {
        // 0 collects none; any other count must be one the pruner accepts, so refuse it here
        CompensationSettings.checkRows(compensationRows);
      }
      if (tokens <= 0 || runSize <= 0 || maxSummaryBytes <= 0) {
        throw new IllegalArgumentException(
            "tokens ("
                + tokens
                + "), run size ("
                + runSize
                + ") and summary size bound ("
                + maxSummaryBytes
                + " bytes) must be > 0");
      }
      if (tooLong == null) {
        throw new IllegalArgumentException("no too-long policy");
      }
    }

    /** The batch command's defaults: seed 42, k = 200, runs of 8, 512 KiB records, reject. */
    public static Settings defaults() {
      return new Settings(
          PruneSettings.DEFAULT_SEED,
          PruneSettings.DEFAULT_TOKENS,
          Summaries.DEFAULT_ROWS_PER_RUN,
          SummaryBuilder.DEFAULT_MAX_BYTES,
          TooLong.REJECT);
    }
  }

  /** The model (with its tokenizer) a task is profiled on; the caller owns and closes both. */
  public record TaskModel(TransformerModel model, TextTokenizer tokenizer) {}

  /** One validated sample, in input order. */
  public record Item(String task, Sample sample) {}

  /** A sample that was not profiled: its index in the input, the reason and a message. */
  public record Rejection(int index, RejectReason reason, String message) {}

  /** A sample profiled after cutting it from {@code fullLength} to {@code keptLength} tokens. */
  public record Truncation(
      int index, String task, String sampleId, int fullLength, int keptLength) {}

  /** The summary of one task's samples in a batch: its sample ids (sorted) and records. */
  public record TaskSummary(String task, List<String> sampleIds, List<ActivationSummary> records) {}

  /** What a batch became. */
  public record Result(
      List<TaskSummary> summaries, List<Rejection> rejected, List<Truncation> truncated) {
    /** Samples profiled (in some summary). */
    public int profiled() {
      return summaries.stream().mapToInt(s -> s.sampleIds().size()).sum();
    }
  }

  private final Map<String, TaskModel> models;
  private final Settings settings;
  private final Map<String, SummaryBuilder> builders = new HashMap<>();

  /**
   * @param models the model of every task this engine serves
   */
  public ProfilerEngine(Map<String, TaskModel> models, Settings settings) {
    if (models.isEmpty()) {
      throw new IllegalArgumentException("no tasks to profile");
    }
    this.models = Map.copyOf(models);
    this.settings = settings;
    for (var e : this.models.entrySet()) {
      if (e.getValue().model().spec().maxPositions() <= 0 || e.getValue().tokenizer() == null) {
        throw new IllegalArgumentException(
            "task '" + e.getKey() + "': model without positions" + " or tokenizer");
      }
      builders.put(e.getKey(), new SummaryBuilder(config(e.getKey()), settings.maxSummaryBytes()));
    }
  }

  public Settings settings() {
    return settings;
  }

  /** The configuration of {@code task}'s summaries (what a pruner's state must be built with). */
  public SummaryConfig config(String task) {
    TaskModel m = models.get(task);
    if (m == null) {
      throw new IllegalArgumentException(
          "task '" + task + "' is not served here: " + models.keySet().stream().sorted().toList());
    }
    return Summaries.withCompensationRows(
        Summaries.config(
            task, m.model().spec(), settings.seed(), settings.tokens(), settings.runSize()),
        settings.compensationRows());
  }

  /**
   * Profiles one batch. Tasks come out in the order of their first sample; within a task, a
   * repeated id is rejected ({@link RejectReason#DUPLICATE_ID}) and the first one profiled.
   *
   * @param source the batch's position (every task's summary carries it: a pruner recognises a
   *     redelivery by it); a replay must give the same one
   */
  public Result process(BatchSource source, List<Item> items) {
    Map<String, List<Integer>> byTask = new LinkedHashMap<>();
    for (int i = 0; i < items.size(); i++) {
      byTask.computeIfAbsent(items.get(i).task(), t -> new ArrayList<>()).add(i);
    }
    List<TaskSummary> summaries = new ArrayList<>();
    List<Rejection> rejected = new ArrayList<>();
    List<Truncation> truncated = new ArrayList<>();
    for (var e : byTask.entrySet()) {
      String task = e.getKey();
      TaskModel m = models.get(task);
      if (m == null) {
        for (int i : e.getValue()) {
          rejected.add(
              new Rejection(
                  i,
                  RejectReason.UNKNOWN_TASK,
                  "task '"
                      + task
                      + "' has no model here: "
                      + models.keySet().stream().sorted().toList()));
        }
        continue;
      }
      int max = m.model().spec().maxPositions();
      Set<String> ids = new HashSet<>();
      List<TokenizedSample> accepted = new ArrayList<>();
      List<Integer> acceptedIndex = new ArrayList<>();
      for (int i : e.getValue()) {
        Sample x = items.get(i).sample();
        if (!ids.add(x.id())) {
          rejected.add(
              new Rejection(
                  i,
                  RejectReason.DUPLICATE_ID,
                  "sample '"
                      + x.id()
                      + "' of task '"
                      + task
                      + "' appears earlier in the same batch"));
          continue;
        }
        SampleEncoding.Result r;
        try {
          r = SampleEncoding.encode(m.tokenizer(), x, max, settings.tooLong() == TooLong.TRUNCATE);
        } catch (IllegalArgumentException ex) {
          rejected.add(
              new Rejection(
                  i,
                  encodable(m.tokenizer(), x) ? RejectReason.TOO_LONG : RejectReason.NO_TOKENS,
                  ex.getMessage()));
          continue;
        }
        if (r.truncated()) {
          truncated.add(new Truncation(i, task, x.id(), r.fullLength(), r.sample().length()));
        }
        accepted.add(r.sample());
        acceptedIndex.add(i);
      }
      if (accepted.isEmpty()) {
        continue;
      }
      SummaryBuilder builder = builders.get(task);
      try {
        List<ProfileBatch> runs =
            ProfileBatch.group(accepted, builder.config(), m.tokenizer().padId());
        List<ActivationSummary> records = Summaries.at(source, builder.profile(m.model(), runs));
        summaries.add(new TaskSummary(task, records.get(0).getSampleIdsList(), records));
      } catch (IllegalArgumentException ex) {
        // The builder changes nothing on error, so the batch can be dropped as a whole.
        truncated.removeIf(t -> t.task().equals(task));
        for (int i : acceptedIndex) {
          rejected.add(
              new Rejection(
                  i, RejectReason.PROFILE_FAILED, "task '" + task + "': " + ex.getMessage()));
        }
      }
    }
    rejected.sort((a, b) -> Integer.compare(a.index(), b.index()));
    return new Result(summaries, rejected, truncated);
  }

  /** Whether the sample encodes without a length limit (so a failure was its length). */
  private static boolean encodable(TextTokenizer tok, Sample x) {
    try {
      tok.encodeOne(x.text(), x.textPair(), Integer.MAX_VALUE, false);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
