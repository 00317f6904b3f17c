package org.ppruning.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicReference;
import org.ppruning.features.ActivationFeatures;
import org.ppruning.model.LayerSpec;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.Weights;
import org.ppruning.pruning.compensation.CompensationSettings;
import org.ppruning.pruning.compensation.ProfiledRows;
import org.ppruning.pruning.run.PruneRun;
import org.ppruning.pruning.run.PruneSettings;
import org.ppruning.stream.PrunerCheckpoint.Partition;
import org.ppruning.stream.PrunerCheckpoint.TaskEntry;
import org.ppruning.summary.MergeResult;
import org.ppruning.summary.Summaries;
import org.ppruning.summary.SummaryState;
import org.ppruning.summary.proto.ActivationSummary;
import org.ppruning.summary.proto.SummaryConfig;

/**
 * The pruner without its transport: merges activation summaries per task, decides when to
 * (re-)prune, prunes with the batch command's code ({@link PruneRun}) and writes a new version to
 * the {@link ModelRepository} only when the kept units changed by more than {@code minChange}
 * ({@link KeptUnits#change}) from the repository's latest version. Its state and the input offsets
 * it covers are saved together in a {@link PrunerCheckpoint}.
 *
 * <p>Re-clustering happens right after the summary that makes a task due, so the same records in
 * the same order give the same versions however they were polled, and across restarts. Methods are
 * synchronized; the metric accessors may be read from any thread.
 */
public final class PrunerEngine {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * When and how to prune.
   *
   * @param prune the pruning settings (as {@code ppruning prune}'s options)
   * @param minSamples samples before the first pruning
   * @param everySamples new samples between re-clusterings
   * @param minChange a re-clustering writes a version only if {@link KeptUnits#change} from the
   *     latest version exceeds this, in [0, 1)
   * @param compensation none, bias or least-squares (as {@code prune --compensation}), fitted on
   *     the summaries' compensation rows (fit original)
   * @param compensationRows the summaries' {@code compensation_rows}: token rows the stream keeps
   *     for compensation, 0 (none) or in [{@value CompensationSettings#MIN_ROWS}, {@value
   *     CompensationSettings#MAX_ROWS}]; must equal the profiler's; required unless compensation is
   *     none
   * @param ridge the least-squares ridge (as {@code prune --compensation-ridge})
   */
  public record Settings(
      PruneSettings prune,
      long minSamples,
      long everySamples,
      double minChange,
      CompensationSettings.Mode compensation,
      int compensationRows,
      double ridge) {
    public static final long DEFAULT_MIN_SAMPLES = 3000;
    public static final long DEFAULT_EVERY_SAMPLES = 1000;
    public static final double DEFAULT_MIN_CHANGE = 0.05;

    public Settings {
      if (prune == null) {
        throw new IllegalArgumentException("pruning settings are required");
      }
      if (minSamples < 1 || everySamples < 1) {
        throw new IllegalArgumentException(
            "min-samples and every-samples must be >= 1, got "
                + minSamples
                + " and "
                + everySamples);
      }
      if (!(minChange >= 0 && minChange < 1)) {
        throw new IllegalArgumentException("min-change must be in [0, 1), got " + minChange);
      }
      if (compensation == null) {
        throw new IllegalArgumentException("compensation mode is required (none to turn it off)");
      }
      if (compensationRows != 0) {
        // the same range and message as prune --compensation-rows
        new CompensationSettings(
            compensation, CompensationSettings.Fit.ORIGINAL, compensationRows, ridge);
      } else if (compensation != CompensationSettings.Mode.NONE) {
        throw new IllegalArgumentException(
            "compensation '"
                + compensation.id()
                + "' fits on token rows the summaries carry, but compensation-rows is 0: set it"
                + " (in ["
                + CompensationSettings.MIN_ROWS
                + ", "
                + CompensationSettings.MAX_ROWS
                + "]) on the pruner and the same value on the profiler");
      }
    }

    /** No compensation and no compensation rows. */
    public Settings(PruneSettings prune, long minSamples, long everySamples, double minChange) {
      this(
          prune,
          minSamples,
          everySamples,
          minChange,
          CompensationSettings.Mode.NONE,
          0,
          CompensationSettings.DEFAULT_RIDGE);
    }

    /** The compensation as the library runs it: fit original, on the summaries' rows. */
    public CompensationSettings compensationSettings() {
      return compensation == CompensationSettings.Mode.NONE
          ? null
          : new CompensationSettings(
              compensation, CompensationSettings.Fit.ORIGINAL, compensationRows, ridge);
    }
  }

  /** The model a task is pruned from; its fingerprint must match the task's summaries. */
  public record Base(String name, ModelSpec spec, Weights weights, Path tokenizerJson) {}

  /** Finds the base model of a task (say, a per-task setting or a default). */
  @FunctionalInterface
  public interface Bases {
    Base forTask(String task) throws IOException;
  }

  /** What accepting one record did. */
  public enum Outcome {
    COUNTED,
    ROWS,
    REDELIVERED,
    REJECTED
  }

  /**
   * @param task the record's task
   * @param outcome what happened
   * @param reason for REJECTED: key, task, model, config or invalid; else null
   * @param detail for REJECTED: the message naming what was wrong; else null
   * @param samples samples merged for the task afterwards
   */
  public record Accepted(
      String task, Outcome outcome, String reason, String detail, long samples) {}

  /**
   * What one re-clustering did.
   *
   * @param written whether a new version was written
   * @param version the version written, or the latest one if none was (0: none exists)
   * @param change {@link KeptUnits#change} from the previous latest version (1 if none)
   * @param seconds wall time of planning, comparing and writing
   * @param event the event to publish: the new version's, or the latest version's if it was written
   *     before a restart and never published; else null
   * @param skipped version folders above the latest valid one that hold no valid model, found
   *     invalid for the first time by this re-clustering (each is reported once)
   */
  public record Pruned(
      String task,
      long samples,
      boolean written,
      long version,
      double change,
      double seconds,
      ModelEvent event,
      List<VersionCheck.Problem> skipped) {}

  private static final class Task {
    final Base base;
    final SummaryConfig config;
    SummaryState state;
    long prunedAt = -1;
    long published;
    volatile long samples;
    volatile long lastPruneMillis;
    volatile double lastPruneSeconds = Double.NaN;
    volatile long versionsWritten;

    Task(Base base, SummaryConfig config) {
      this.base = base;
      this.config = config;
      this.state = new SummaryState(config);
    }
  }

  private final ModelRepository repo;
  private final Settings settings;
  private final Bases bases;
  private final Map<String, Task> tasks = new ConcurrentSkipListMap<>();
  // Read without the lock (a rebalance must not wait for a running re-clustering); written
  // only under it, together with the state.
  private final Map<Partition, Long> offsets = new ConcurrentSkipListMap<>();
  private final VersionCheck check;
  // Versions are never overwritten, so a folder's verdict is kept: valid ones are not loaded
  // again, invalid ones are reported once.
  private final Set<Path> validVersions = ConcurrentHashMap.newKeySet();
  private final Map<Path, VersionCheck.Problem> invalidVersions = new ConcurrentHashMap<>();

  public PrunerEngine(ModelRepository repo, Settings settings, Bases bases) {
    this.repo = repo;
    this.check = new VersionCheck(repo.root(), VersionCheck.SAVED_MODEL);
    this.settings = settings;
    this.bases = bases;
  }

  /**
   * An engine resumed from {@code checkpoint} if that file exists, else a fresh one.
   *
   * @throws IOException if the checkpoint cannot be read, or a task's state was made for another
   *     model or other settings (names the task, the difference, and the file to delete)
   */
  public static PrunerEngine open(
      Path checkpoint, ModelRepository repo, Settings settings, Bases bases) throws IOException {
    PrunerEngine e = new PrunerEngine(repo, settings, bases);
    if (!Files.exists(checkpoint)) {
      return e;
    }
    PrunerCheckpoint c = PrunerCheckpoint.read(checkpoint);
    e.offsets.putAll(c.offsets());
    for (Map.Entry<String, TaskEntry> x : c.tasks().entrySet()) {
      Task t = e.newTask(x.getKey());
      SummaryConfig saved = x.getValue().state().getConfig();
      if (!saved.equals(t.config)) {
        throw new IOException(
            "checkpoint "
                + checkpoint
                + " holds task '"
                + x.getKey()
                + "' merged for another model or settings (seed "
                + saved.getSeed()
                + ", tokens "
                + saved.getTokens()
                + ", rows per run "
                + Integer.toUnsignedString(saved.getRowsPerRun())
                + ", compensation rows "
                + Integer.toUnsignedString(saved.getCompensationRows())
                + ", model "
                + saved.getModel().getSource()
                + "; now seed "
                + t.config.getSeed()
                + ", tokens "
                + t.config.getTokens()
                + ", rows per run "
                + t.config.getRowsPerRun()
                + ", compensation rows "
                + t.config.getCompensationRows()
                + ", model "
                + t.config.getModel().getSource()
                + "): delete it to start over");
      }
      try {
        t.state = SummaryState.fromProto(x.getValue().state());
      } catch (IllegalArgumentException ex) {
        throw new IOException("checkpoint " + checkpoint + ": " + ex.getMessage(), ex);
      }
      t.prunedAt = x.getValue().prunedAt();
      t.published = x.getValue().published();
      t.samples = t.state.samples();
      e.tasks.put(x.getKey(), t);
    }
    return e;
  }

  public Settings settings() {
    return settings;
  }

  public ModelRepository repository() {
    return repo;
  }

  /**
   * Merges one summary record read at {@code offset} of {@code from} (recorded as covered whatever
   * the outcome: a rejected record is not read again).
   *
   * @param key the record key, which must be the summary's task (null: not checked)
   * @throws IOException if the task's base model cannot be loaded
   */
  public synchronized Accepted accept(String key, ActivationSummary s, Partition from, long offset)
      throws IOException {
    offsets.put(from, offset + 1);
    String task = s.getConfig().getTask();
    if (key != null && !key.equals(task)) {
      return rejected(
          task, "key", "record key '" + key + "' is not the summary's task '" + task + "'");
    }
    try {
      ModelRepository.checkTask(task);
    } catch (IllegalArgumentException e) {
      return rejected(task, "task", e.getMessage());
    }
    Task t = tasks.get(task);
    if (t == null) {
      t = newTask(task);
      tasks.put(task, t);
    }
    if (!s.getConfig().getModel().equals(t.config.getModel())) {
      return rejected(
          task,
          "model",
          "summary of task '"
              + task
              + "' was made on model '"
              + s.getConfig().getModel().getSource()
              + "' (heads "
              + s.getConfig().getModel().getHeadsList()
              + ") whose fingerprint is not the base model '"
              + t.base.name()
              + "'");
    }
    if (!s.getConfig().equals(t.config)) {
      return rejected(
          task,
          "config",
          "summary of task '"
              + task
              + "' has seed "
              + s.getConfig().getSeed()
              + ", tokens "
              + s.getConfig().getTokens()
              + ", pad multiple "
              + s.getConfig().getPadMultiple()
              + ", encoding "
              + s.getConfig().getRowEncoding()
              + ", rows per run "
              + Integer.toUnsignedString(s.getConfig().getRowsPerRun())
              + ", compensation rows "
              + Integer.toUnsignedString(s.getConfig().getCompensationRows())
              + (s.getConfig().getCompensationRows() == 0
                  ? " (none: a profiler before compensation rows, or its compensation-rows unset)"
                  : "")
              + "; the pruner expects "
              + t.config.getSeed()
              + ", "
              + t.config.getTokens()
              + ", "
              + t.config.getPadMultiple()
              + ", "
              + t.config.getRowEncoding()
              + ", "
              + t.config.getRowsPerRun()
              + ", "
              + t.config.getCompensationRows());
    }
    MergeResult r;
    try {
      r = t.state.merge(s);
    } catch (IllegalArgumentException e) {
      return rejected(task, "invalid", e.getMessage());
    }
    t.samples = t.state.samples();
    Outcome o =
        switch (r.outcome()) {
          case COUNTED -> Outcome.COUNTED;
          case ROWS -> Outcome.ROWS;
          case REDELIVERED -> Outcome.REDELIVERED;
        };
    return new Accepted(task, o, null, null, t.samples);
  }

  /** Records a record that is no summary at all as read (it is not read again). */
  public synchronized void skip(Partition from, long offset) {
    offsets.put(from, offset + 1);
  }

  private Accepted rejected(String task, String reason, String detail) {
    return new Accepted(
        task,
        Outcome.REJECTED,
        reason,
        detail,
        tasks.containsKey(task) ? tasks.get(task).samples : 0);
  }

  private Task newTask(String task) throws IOException {
    Base b = bases.forTask(task);
    return new Task(
        b,
        Summaries.withCompensationRows(
            Summaries.config(task, b.spec(), settings.prune().seed(), settings.prune().tokens()),
            settings.compensationRows()));
  }

  /**
   * Whether {@code task} should be re-clustered now: every batch merged is complete, and it has
   * {@code minSamples} samples (first time) or {@code everySamples} more than at the last time.
   */
  public synchronized boolean due(String task) {
    Task t = tasks.get(task);
    if (t == null || !t.state.complete() || t.state.samples() < settings.minSamples()) {
      return false;
    }
    return t.prunedAt < 0 || t.state.samples() - t.prunedAt >= settings.everySamples();
  }

  /**
   * Re-clusters {@code task} on everything merged, compares the kept units with the repository's
   * latest valid version, and writes a new version if they changed by more than {@code minChange}
   * (or if there is none). Version folders that hold no valid model (an empty {@code 999}, say) are
   * skipped when looking for the latest version, but still count when numbering the next one
   * ({@link ModelRepository#nextVersion}: one past the highest folder), so no folder is ever
   * overwritten.
   *
   * @throws IOException if reading the latest version or writing the new one fails
   * @throws IllegalStateException if the task has no complete state (see {@link
   *     SummaryState#toFeatures})
   */
  public synchronized Pruned prune(String task) throws IOException {
    Task t = tasks.get(task);
    if (t == null) {
      throw new IllegalStateException("no summaries merged for task '" + task + "'");
    }
    long t0 = System.nanoTime();
    long samples = t.state.samples();
    ActivationFeatures f = t.state.toFeatures();
    t.prunedAt = samples; // a failure below waits for the next every-samples, no retry loop
    PruneRun run =
        PruneRun.plan(
            t.base.spec(),
            t.base.weights(),
            f,
            settings.prune(),
            "stream:" + task,
            Map.of(),
            settings.compensationSettings(),
            new ProfiledRows(t.state.compensationRows(), t.base.spec()));
    List<VersionCheck.Problem> skipped = new ArrayList<>();
    OptionalLong latest = latestValid(task, skipped);
    double change = 1;
    if (latest.isPresent()) {
      change = KeptUnits.change(spec(task, latest.getAsLong()).layers(), run.kept());
    }
    ModelEvent event = null;
    boolean written = latest.isEmpty() || change > settings.minChange();
    long version = latest.orElse(0);
    if (written) {
      version = repo.nextVersion(task);
      String reason =
          latest.isEmpty()
              ? "first pruning: " + samples + " samples (min-samples " + settings.minSamples() + ")"
              : String.format(
                  "selection changed: %.2f%% of kept units differ from version %d"
                      + " (min-change %.2f%%) at %d samples",
                  100 * change, latest.getAsLong(), 100 * settings.minChange(), samples);
      AtomicReference<Map<String, Object>> report = new AtomicReference<>();
      repo.write(task, version, dir -> report.set(run.export(dir, false, t.base.tokenizerJson())));
      event = event(t, task, version, run.pruned().spec(), report.get(), reason);
      t.versionsWritten++;
    } else if (version > t.published) {
      event = recovered(t, task, version);
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    t.lastPruneSeconds = secs;
    t.lastPruneMillis = System.currentTimeMillis();
    return new Pruned(task, samples, written, version, change, secs, event, List.copyOf(skipped));
  }

  /**
   * The newest version of {@code task} that holds a valid model; invalid folders above it that were
   * not reported before are added to {@code skipped}.
   */
  private OptionalLong latestValid(String task, List<VersionCheck.Problem> skipped)
      throws IOException {
    List<Long> versions = repo.versions(task);
    for (int i = versions.size() - 1; i >= 0; i--) {
      long v = versions.get(i);
      Path dir = repo.path(task, v);
      if (validVersions.contains(dir)) {
        return OptionalLong.of(v);
      }
      if (invalidVersions.containsKey(dir)) {
        continue;
      }
      Optional<VersionCheck.Problem> p = check.folder(dir);
      if (p.isEmpty()) {
        validVersions.add(dir);
        return OptionalLong.of(v);
      }
      invalidVersions.put(dir, p.get());
      skipped.add(p.get());
    }
    return OptionalLong.empty();
  }

  /** Records that the event of {@code version} was sent (saved with the next checkpoint). */
  public synchronized void published(String task, long version) {
    Task t = tasks.get(task);
    if (t != null) {
      t.published = Math.max(t.published, version);
    }
  }

  /** The state and the offsets it covers, as a checkpoint. */
  public synchronized PrunerCheckpoint checkpoint() {
    Map<String, TaskEntry> entries = new TreeMap<>();
    tasks.forEach(
        (task, t) -> entries.put(task, new TaskEntry(t.prunedAt, t.published, t.state.toProto())));
    return new PrunerCheckpoint(offsets, entries);
  }

  /** Per input partition, the next offset to read (what the state covers). */
  public Map<Partition, Long> offsets() {
    return new TreeMap<>(offsets);
  }

  /** The tasks seen, sorted. */
  public List<String> tasks() {
    return new ArrayList<>(tasks.keySet());
  }

  /** Samples merged for {@code task} (0 if unknown). */
  public long samples(String task) {
    Task t = tasks.get(task);
    return t == null ? 0 : t.samples;
  }

  /** When {@code task} was last re-clustered (epoch ms, 0: not since start). */
  public long lastPruneMillis(String task) {
    Task t = tasks.get(task);
    return t == null ? 0 : t.lastPruneMillis;
  }

  /** How long the last re-clustering of {@code task} took (NaN: none since start). */
  public double lastPruneSeconds(String task) {
    Task t = tasks.get(task);
    return t == null ? Double.NaN : t.lastPruneSeconds;
  }

  /** Versions of {@code task} written since start. */
  public long versionsWritten(String task) {
    Task t = tasks.get(task);
    return t == null ? 0 : t.versionsWritten;
  }

  /** The state of {@code task} (for tests and tools; not a copy). */
  synchronized SummaryState state(String task) {
    Task t = tasks.get(task);
    return t == null ? null : t.state;
  }

  private ModelSpec spec(String task, long version) throws IOException {
    return ModelSpec.read(repo.path(task, version).resolve("assets").resolve(ModelSpec.ASSET_NAME));
  }

  private ModelEvent event(
      Task t,
      String task,
      long version,
      ModelSpec pruned,
      Map<String, Object> report,
      String reason) {
    List<ModelEvent.Width> widths = new ArrayList<>();
    for (LayerSpec l : pruned.layers()) {
      widths.add(new ModelEvent.Width(l.heads(), l.ffn()));
    }
    double params =
        ((Number) report.get("paramsAfter")).doubleValue()
            / ((Number) report.get("paramsBefore")).doubleValue();
    return new ModelEvent(
        ModelEvent.PRUNED,
        task,
        version,
        repo.path(task, version).toUri().toString(),
        t.base.name(),
        widths,
        ((Number) report.get("flopsKept")).doubleValue(),
        params,
        ((Number) report.get("samples")).longValue(),
        reason,
        null,
        Instant.now().toString());
  }

  /** The event of a version written before a restart, rebuilt from its spec and report. */
  private ModelEvent recovered(Task t, String task, long version) throws IOException {
    Path dir = repo.path(task, version);
    @SuppressWarnings("unchecked")
    Map<String, Object> report =
        JSON.readValue(dir.resolve("pruning-report.json").toFile(), Map.class);
    return event(
        t,
        task,
        version,
        spec(task, version),
        report,
        "written before a restart,"
            + " published now: the re-clustering at "
            + t.state.samples()
            + " samples chose units"
            + " within min-change of it");
  }
}
