package org.ppruning.data;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.ppruning.fetch.ArtifactCache;

/**
 * Tasks by name. Built-in tasks ({@link #NAMES}) come with real data fetched from the registries on
 * first use and cached; official benchmark tasks ({@link #OFFICIAL}) are described here and read
 * from the user's own files by {@link GlueTsv}, {@link SquadJson} and {@link LmText}.
 *
 * <p>Built-in tasks and what they stand in for (none of them is that benchmark):
 *
 * <ul>
 *   <li>{@code sentiment}: single sentences, {@link SentimentDataset}, for SST-2;
 *   <li>{@code grammar}: single sentences, {@link GrammarDataset}, for CoLA;
 *   <li>{@code paraphrase}: sentence pairs, {@link ParaphraseDataset}, for MRPC / QQP;
 *   <li>{@code spam}: single documents, {@link SpamDataset}, no GLUE task (long inputs);
 *   <li>{@code sotu}: language modelling, {@link SotuCorpus}, WikiText-2-sized text;
 *   <li>{@code moby-dick}: language modelling, {@link MobyDickCorpus}, a small novel.
 * </ul>
 */
public final class Tasks {
  /** Built-in task names, in the order help lists them. */
  public static final List<String> NAMES =
      List.of("sentiment", "grammar", "paraphrase", "spam", "sotu", "moby-dick");

  /** Official tasks whose data users bring (see {@link #task}). */
  public static final List<String> OFFICIAL;

  /** Words per passage when a language-modelling task is asked for {@link Sample}s. */
  public static final int LM_PASSAGE_WORDS = 128;

  static {
    List<String> o = new ArrayList<>();
    for (GlueTask g : GlueTask.values()) {
      o.add(g.id());
    }
    o.addAll(
        List.of(
            SquadJson.V1.name(), SquadJson.V2.name(), LmText.WIKITEXT.name(), LmText.PTB.name()));
    OFFICIAL = List.copyOf(o);
  }

  private static final Task SENTIMENT =
      Task.classification(
          "sentiment",
          TaskKind.SINGLE_SENTENCE_CLASSIFICATION,
          List.of("0", "1"),
          List.of("negative", "positive"),
          List.of(Metric.ACCURACY),
          "SST-2 (binary sentence sentiment); these are UCI review "
              + "sentences (IMDb, Yelp, Amazon), not SST-2's movie-review phrases",
          "npm " + SentimentDataset.NPM);
  private static final Task GRAMMAR =
      Task.classification(
          "grammar",
          TaskKind.SINGLE_SENTENCE_CLASSIFICATION,
          List.of("0", "1"),
          List.of("unacceptable", "acceptable"),
          List.of(Metric.MATTHEWS_CORRELATION, Metric.ACCURACY),
          "CoLA (acceptability); these are LanguageTool rule examples written to show one error each "
              + "(many fragments, style as well as grammar), not linguistics-publication sentences",
          "Maven " + GrammarDataset.MAVEN);
  private static final Task PARAPHRASE =
      Task.classification(
          "paraphrase",
          TaskKind.SENTENCE_PAIR_CLASSIFICATION,
          List.of("0", "1"),
          List.of("different", "equivalent"),
          List.of(Metric.F1, Metric.ACCURACY),
          "MRPC / QQP (paraphrase pairs); positives are one Bible verse in two English "
              + "translations (KJV 1769, WEB), negatives two different verses of one chapter; not news "
              + "or questions",
          "Debian " + ParaphraseDataset.KJV_DEB + ", " + ParaphraseDataset.WEB_DEB);
  private static final Task SPAM =
      Task.classification(
          "spam",
          TaskKind.SINGLE_SENTENCE_CLASSIFICATION,
          List.of("ham", "spam"),
          List.of("ham", "spam"),
          List.of(Metric.F1, Metric.ACCURACY),
          "no GLUE task: long-document classification (SpamAssassin corpus, mail subject and body)",
          "npm " + SpamDataset.NPM);
  private static final Task SOTU =
      Task.unlabelled(
          "sotu",
          TaskKind.CAUSAL_LM,
          List.of(Metric.PERPLEXITY),
          "WikiText-2-sized language modelling (1.8M words); one genre "
              + "(State of the Union addresses), not Wikipedia; also usable for masked LM",
          "npm " + SotuCorpus.NPM);
  private static final Task MOBY_DICK =
      Task.unlabelled(
          "moby-dick",
          TaskKind.CAUSAL_LM,
          List.of(Metric.PERPLEXITY),
          "small language-modelling text (207k words, one novel); "
              + "neither PTB nor WikiText; also usable for masked LM",
          "npm " + MobyDickCorpus.NPM);

  private Tasks() {}

  /** The description of a built-in or official task. */
  public static Task task(String name) {
    return switch (name) {
      case "sentiment" -> SENTIMENT;
      case "grammar" -> GRAMMAR;
      case "paraphrase" -> PARAPHRASE;
      case "spam" -> SPAM;
      case "sotu" -> SOTU;
      case "moby-dick" -> MOBY_DICK;
      default -> official(name);
    };
  }

  private static Task official(String name) {
    for (GlueTask g : GlueTask.values()) {
      if (g.id().equals(name)) {
        return g.task();
      }
    }
    for (Task t : List.of(SquadJson.V1, SquadJson.V2, LmText.WIKITEXT, LmText.PTB)) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    throw unknown(name);
  }

  /**
   * The train split of a built-in task as samples: what pruning profiles by default. Language
   * modelling tasks give their train documents cut into passages of {@link #LM_PASSAGE_WORDS} words
   * ({@link TextDocument#passages}). Spam mails are whole documents, most longer than 512 tokens; a
   * tokenizer that refuses long texts refuses them.
   */
  public static List<Sample> samples(String task, ArtifactCache cache, PrintStream progress)
      throws IOException {
    return samples(task, Split.TRAIN, cache, progress);
  }

  /**
   * One split of a built-in task as samples (language modelling: passages, as in {@link
   * #samples(String, ArtifactCache, PrintStream)}).
   */
  public static List<Sample> samples(
      String task, Split split, ArtifactCache cache, PrintStream progress) throws IOException {
    return samples(task, split, LM_PASSAGE_WORDS, cache, progress);
  }

  /**
   * As {@link #samples(String, Split, ArtifactCache, PrintStream)}, with language-modelling text
   * cut into passages of {@code passageWords} words (a model with few positions needs short ones).
   */
  public static List<Sample> samples(
      String task, Split split, int passageWords, ArtifactCache cache, PrintStream progress)
      throws IOException {
    if (task(task).kind().isLanguageModelling()) {
      return passages(documents(task, cache, progress).get(split), passageWords);
    }
    return splits(task, cache, progress).get(split);
  }

  /**
   * Every sample of a built-in task, all splits (train, then dev, then test). For the sentiment
   * task this is {@link SentimentDataset#load} in file order.
   */
  public static List<Sample> allSamples(String task, ArtifactCache cache, PrintStream progress)
      throws IOException {
    return switch (task) {
      case "sentiment" -> SentimentDataset.load(cache, progress);
      case "grammar" -> GrammarDataset.load(cache, progress).samples();
      case "paraphrase" -> ParaphraseDataset.load(cache, progress).all();
      case "spam" -> SpamDataset.load(cache, progress);
      case "sotu", "moby-dick" ->
          passages(documents(task, cache, progress).all(), LM_PASSAGE_WORDS);
      default -> throw notBuiltIn(task);
    };
  }

  /** The labelled splits of a built-in classification task. */
  public static SplitData<Sample> splits(String task, ArtifactCache cache, PrintStream progress)
      throws IOException {
    return switch (task) {
      case "sentiment" -> SentimentDataset.splits(cache, progress);
      case "grammar" -> GrammarDataset.splits(cache, progress);
      case "paraphrase" -> ParaphraseDataset.load(cache, progress);
      case "spam" -> SpamDataset.splits(cache, progress);
      case "sotu", "moby-dick" ->
          throw new IllegalArgumentException(
              "task '" + task + "' is language modelling: use Tasks.documents");
      default -> throw notBuiltIn(task);
    };
  }

  /** The document splits of a built-in language-modelling task. */
  public static SplitData<TextDocument> documents(
      String task, ArtifactCache cache, PrintStream progress) throws IOException {
    return switch (task) {
      case "sotu" -> SotuCorpus.splits(cache, progress);
      case "moby-dick" -> MobyDickCorpus.splits(cache, progress);
      default ->
          throw new IllegalArgumentException(
              "task '" + task + "' is not a built-in language-modelling task (sotu, moby-dick)");
    };
  }

  private static List<Sample> passages(List<TextDocument> docs, int words) {
    List<Sample> out = new ArrayList<>();
    for (TextDocument d : docs) {
      out.addAll(d.passages(words));
    }
    return out;
  }

  private static IllegalArgumentException notBuiltIn(String task) {
    if (OFFICIAL.contains(task)) {
      return new IllegalArgumentException(
          "task '"
              + task
              + "' has no built-in data: read your "
              + "own files with GlueTsv, SquadJson or LmText (or pass --samples FILE with JSON lines)");
    }
    return unknown(task);
  }

  private static IllegalArgumentException unknown(String task) {
    return new IllegalArgumentException(
        "unknown task '"
            + task
            + "'; built-in tasks: "
            + String.join(", ", NAMES)
            + " (or pass --samples FILE with JSON lines)");
  }
}
