package org.ppruning.stream;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.ppruning.data.Split;
import org.ppruning.data.TaskData;
import org.ppruning.graph.TransformerModel;
import org.ppruning.serve.SwapResult;
import org.ppruning.train.Distillation;
import org.ppruning.train.FineTuning;
import org.ppruning.train.Trainer;

/**
 * The finetuner without its transport: turns a {@code pruned} {@link ModelEvent} into a job,
 * fine-tunes the pruned version with {@link FineTuning} into the repository's next version of the
 * task, evaluates it on the test split, offers it for serving and returns the {@code finetuned}
 * event. A fine-tuned version records its parent's URI in {@code assets/parent.txt}, so a version
 * already fine-tuned (a redelivered event) is not trained twice. A pruned event is checked before
 * it becomes a job ({@link VersionCheck}): its folder must be its version's folder inside the
 * pruner's repository and hold a valid model, else it is refused with the reason. A model that
 * cannot train fails with {@link JobRetry.BadModel}. Which jobs run when, which are retried ({@link
 * JobRetry}) and which offsets are committed, is the transport's business.
 */
public final class FinetunerEngine {
  /** The asset naming a fine-tuned version's parent (the pruned version's URI). */
  public static final String PARENT_ASSET = "parent.txt";

  /**
   * @param dataset the built-in task whose labelled splits every job trains on; null: the event's
   *     task
   * @param training the trainer's settings (epochs, learning rate, batch, max length, seed ...)
   * @param trainRows train on this many rows of the train split chosen by the seed; null: all
   */
  public record Settings(String dataset, Trainer.Config training, Integer trainRows) {
    public Settings {
      if (training == null) {
        throw new IllegalArgumentException("fine-tuning settings need a trainer config");
      }
      if (trainRows != null && trainRows < 1) {
        throw new IllegalArgumentException(
            "train rows must be >= 1 (or unset: all), got " + trainRows);
      }
    }

    /** Every row of the train split. */
    public Settings(String dataset, Trainer.Config training) {
      this(dataset, training, null);
    }
  }

  /** Loads a task's labelled splits by name. */
  @FunctionalInterface
  public interface Datasets {
    TaskData load(String name) throws IOException;
  }

  /** The teacher to distil from, read for each job (one every few minutes at most). */
  @FunctionalInterface
  public interface Teacher {
    /** Null: the task loss alone. */
    Distillation load() throws IOException;
  }

  /** Offers a fine-tuned version for serving, compared on its test metrics. */
  @FunctionalInterface
  public interface Serving {
    SwapResult offer(String task, long version, Path dir, Map<String, Double> testMetrics);
  }

  /** What one model event asks for. */
  public enum Outcome {
    /** A pruned version to fine-tune. */
    JOB,
    /** Not for the finetuner (a {@code finetuned} event, its own announcement). */
    IGNORED,
    /** Not a model event. */
    REFUSED
  }

  /** The label of a refused record that is not a model event. */
  public static final String MALFORMED = "malformed";

  /**
   * @param outcome what to do
   * @param event the parsed event for a JOB, or a REFUSED event that parsed; else null
   * @param label for REFUSED: {@link #MALFORMED} or a {@link VersionCheck.Reason#label()} (the
   *     metric's reason); else null
   * @param reason for IGNORED and REFUSED: why, naming what was wrong; else null
   */
  public record Accepted(Outcome outcome, ModelEvent event, String label, String reason) {}

  /**
   * What one job did: exactly one of the two is set.
   *
   * @param event the {@code finetuned} event to publish
   * @param skipped why nothing was trained (the version was fine-tuned before)
   */
  public record Trained(ModelEvent event, String skipped) {}

  private final ModelRepository repo;
  private final Settings settings;
  private final Datasets datasets;
  private final Teacher teacher;
  private final Serving serving;
  private final VersionCheck pruned;

  /**
   * @param repo the repository fine-tuned versions are written to
   * @param pruned checks pruned events against the pruner's repository
   */
  public FinetunerEngine(
      ModelRepository repo,
      Settings settings,
      Datasets datasets,
      Teacher teacher,
      Serving serving,
      VersionCheck pruned) {
    this.repo = repo;
    this.pruned = pruned;
    this.settings = settings;
    this.datasets = datasets;
    this.teacher = teacher;
    this.serving = serving;
  }

  public ModelRepository repository() {
    return repo;
  }

  /**
   * Reads one record's value: a job for a pruned version whose folder passes the {@link
   * VersionCheck} (this loads the model once), else why there is none.
   */
  public Accepted accept(byte[] value) {
    ModelEvent e;
    try {
      e = ModelEvent.fromJson(value);
    } catch (IllegalArgumentException ex) {
      return new Accepted(Outcome.REFUSED, null, MALFORMED, ex.getMessage());
    }
    if (!ModelEvent.PRUNED.equals(e.stage())) {
      return new Accepted(
          Outcome.IGNORED,
          null,
          null,
          e.stage()
              + " event of "
              + e.task()
              + " version "
              + e.version()
              + ": only pruned versions are fine-tuned");
    }
    Optional<VersionCheck.Problem> p = pruned.event(e);
    if (p.isPresent()) {
      return new Accepted(
          Outcome.REFUSED,
          e,
          p.get().reason().label(),
          "pruned event of " + e.task() + " version " + e.version() + ": " + p.get().detail());
    }
    return new Accepted(Outcome.JOB, e, null, null);
  }

  /**
   * Fine-tunes one pruned version into the repository's next version of its task, unless the
   * repository already holds one fine-tuned from it.
   *
   * @throws JobRetry.BadModel if the pruned version does not load or training diverges (NaN)
   * @throws IOException if the data, the teacher or the pruned version cannot be read, or the
   *     version cannot be written
   */
  public Trained train(ModelEvent pruned) throws IOException {
    String task = pruned.task();
    Optional<Long> done = versionWithParent(task, pruned.path());
    if (done.isPresent()) {
      return new Trained(
          null,
          pruned.path()
              + " was already fine-tuned as version "
              + done.get()
              + "; not training it again");
    }
    Trainer.Config tc = settings.training();
    TaskData splits = datasets.load(settings.dataset() == null ? task : settings.dataset());
    Path source = Path.of(URI.create(pruned.path()));
    long version = repo.nextVersion(task);
    AtomicReference<FineTuning.Outcome> outcome = new AtomicReference<>();
    Map<String, Double> testMetrics = new HashMap<>();
    Distillation distill = teacher.load();
    try (TransformerModel base = loadPruned(source)) {
      Path written =
          repo.write(
              task,
              version,
              dir -> {
                outcome.set(
                    FineTuning.run(
                        base,
                        splits,
                        dir,
                        FineTuning.Options.of(tc)
                            .withName(source.toString())
                            .withTrainRows(settings.trainRows())
                            .withTeacher(distill)));
                if (outcome.get().result().failure() != null) {
                  throw new JobRetry.BadModel(
                      "fine-tuning " + source + " failed: " + outcome.get().result().failure(),
                      null);
                }
                try (TransformerModel tuned = TransformerModel.load(dir)) {
                  testMetrics.putAll(
                      FineTuning.evaluate(
                          tuned, splits, Split.TEST, tc.maxLength(), tc.seed(), tc.batchSize()));
                }
                Files.writeString(
                    dir.resolve("assets").resolve(PARENT_ASSET), pruned.path() + "\n");
              });
      // Served now if it loads, warms up and passes the swap policy (compared on test metrics).
      SwapResult swap = serving.offer(task, version, written, testMetrics);
      return new Trained(
          event(pruned, version, written, splits.task().name(), outcome.get(), testMetrics, swap),
          null);
    }
  }

  private static TransformerModel loadPruned(Path source) throws IOException {
    try {
      return TransformerModel.load(source);
    } catch (IllegalArgumentException e) {
      throw new JobRetry.BadModel("pruned version " + source + ": " + e.getMessage(), e);
    }
  }

  private static ModelEvent event(
      ModelEvent pruned,
      long version,
      Path written,
      String data,
      FineTuning.Outcome outcome,
      Map<String, Double> testMetrics,
      SwapResult swap) {
    Map<String, Double> m = new HashMap<>();
    testMetrics.forEach((k, v) -> m.put("test_" + k, v));
    if (outcome.devValue() != null) {
      m.put("dev_" + outcome.metric(), outcome.devValue());
    }
    return new ModelEvent(
        ModelEvent.FINETUNED,
        pruned.task(),
        version,
        written.toUri().toString(),
        pruned.path(),
        pruned.layers(),
        pruned.flopsKept(),
        pruned.paramsKept(),
        outcome.trainRows(),
        "fine-tuned pruned version "
            + pruned.version()
            + " on "
            + data
            + " (best epoch "
            + outcome.result().bestEpoch()
            + "); "
            + (swap.accepted() ? "serving it" : "NOT served: " + swap.reason()),
        m,
        Instant.now().toString());
  }

  /** The repository version fine-tuned from {@code parentUri}, if any. */
  public Optional<Long> versionWithParent(String task, String parentUri) throws IOException {
    for (long v : repo.versions(task)) {
      Path f = repo.path(task, v).resolve("assets").resolve(PARENT_ASSET);
      if (Files.isRegularFile(f) && Files.readString(f).strip().equals(parentUri)) {
        return Optional.of(v);
      }
    }
    return Optional.empty();
  }
}
