package org.ppruning.data;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ppruning.fetch.ArtifactCache;

/**
 * A task's description and its three splits, in the form its kind needs: labelled samples
 * (classification, regression), questions (extractive QA) or documents (language modelling).
 * Built-in tasks bring their data; official tasks read the user's files from a folder:
 *
 * <ul>
 *   <li>GLUE: {@code train.tsv}, {@code dev.tsv} (MNLI: {@code dev_matched.tsv}), {@code test.tsv}
 *       (MNLI: {@code test_matched.tsv}; optional, unlabelled);
 *   <li>SQuAD: {@code train-v1.1.json}, {@code dev-v1.1.json} (or {@code -v2.0}); no test split;
 *   <li>WikiText: {@code wiki.train.raw}, {@code wiki.valid.raw}, {@code wiki.test.raw} (or the
 *       tokenised {@code .tokens} files);
 *   <li>PTB: {@code ptb.train.txt}, {@code ptb.valid.txt}, {@code ptb.test.txt}.
 * </ul>
 *
 * @param task what the task is
 * @param samples classification and regression data, else null
 * @param questions extractive-QA data, else null
 * @param documents language-modelling data, else null
 */
public record TaskData(
    Task task,
    SplitData<Sample> samples,
    SplitData<QaSample> questions,
    SplitData<TextDocument> documents) {

  /**
   * @param dataDir the folder with an official task's files; null for built-in tasks
   * @throws IllegalArgumentException for an unknown task, an official task without a folder, a
   *     built-in task with one, or a missing required file
   */
  public static TaskData load(String name, Path dataDir, ArtifactCache cache, PrintStream progress)
      throws IOException {
    Task t = Tasks.task(name);
    boolean builtIn = Tasks.NAMES.contains(name);
    if (builtIn && dataDir != null) {
      throw new IllegalArgumentException(
          "task '"
              + name
              + "' is built in and brings its own"
              + " data; --data is for official tasks ("
              + String.join(", ", Tasks.OFFICIAL)
              + ")");
    }
    if (builtIn) {
      return t.kind().isLanguageModelling()
          ? new TaskData(t, null, null, Tasks.documents(name, cache, progress))
          : new TaskData(t, Tasks.splits(name, cache, progress), null, null);
    }
    if (dataDir == null) {
      throw new IllegalArgumentException(
          "task '"
              + name
              + "' has no built-in data: pass --data"
              + " DIR with its official files ("
              + t.source()
              + ")");
    }
    if (!Files.isDirectory(dataDir)) {
      throw new IllegalArgumentException("--data " + dataDir + " is not a folder");
    }
    if (t.kind() == TaskKind.EXTRACTIVE_QA) {
      String v = name.equals(SquadJson.V2.name()) ? "v2.0" : "v1.1";
      return new TaskData(
          t,
          null,
          new SplitData<>(
              SquadJson.read(required(dataDir, "train-" + v + ".json")),
              SquadJson.read(required(dataDir, "dev-" + v + ".json")),
              List.of()),
          null);
    }
    if (name.equals(LmText.WIKITEXT.name())) {
      String ext = Files.exists(dataDir.resolve("wiki.train.raw")) ? ".raw" : ".tokens";
      return new TaskData(
          t,
          null,
          null,
          new SplitData<>(
              LmText.readWikiText(required(dataDir, "wiki.train" + ext)),
              LmText.readWikiText(required(dataDir, "wiki.valid" + ext)),
              LmText.readWikiText(required(dataDir, "wiki.test" + ext))));
    }
    if (name.equals(LmText.PTB.name())) {
      return new TaskData(
          t,
          null,
          null,
          new SplitData<>(
              LmText.readPtb(required(dataDir, "ptb.train.txt")),
              LmText.readPtb(required(dataDir, "ptb.valid.txt")),
              LmText.readPtb(required(dataDir, "ptb.test.txt"))));
    }
    GlueTask g = GlueTask.of(name);
    boolean mnli = g == GlueTask.MNLI;
    Path test = dataDir.resolve(mnli ? "test_matched.tsv" : "test.tsv");
    return new TaskData(
        t,
        new SplitData<>(
            GlueTsv.read(g, required(dataDir, "train.tsv")),
            GlueTsv.read(g, required(dataDir, mnli ? "dev_matched.tsv" : "dev.tsv")),
            Files.exists(test) ? GlueTsv.read(g, test) : List.of()),
        null,
        null);
  }

  /** The size of a split, whatever its form. */
  public int size(Split split) {
    return samples != null
        ? samples.get(split).size()
        : questions != null ? questions.get(split).size() : documents.get(split).size();
  }

  private static Path required(Path dir, String file) {
    Path p = dir.resolve(file);
    if (!Files.isRegularFile(p)) {
      throw new IllegalArgumentException("--data " + dir + " has no " + file);
    }
    return p;
  }
}
