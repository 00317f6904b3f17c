package org.ppruning.serve;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.ppruning.graph.TransformerModel;
import org.ppruning.model.ModelSpec;
import org.ppruning.model.TaskHead;
import org.ppruning.model.TinyModels;
import org.ppruning.stream.ModelRepository;
import org.ppruning.tokenize.TokenizerFiles;
import org.ppruning.tokenize.Tokenizers;

/**
 * Tiny fine-tuned-looking SavedModels for serving tests: a 2-layer random bert with a sentiment
 * head and a 50-token WordPiece tokenizer, written as versions of a {@link ModelRepository}. Each
 * seed gives other weights, so versions answer differently.
 */
public final class TinyServables {
  /** The tokenizer's words (after the five BERT special tokens). */
  public static final List<String> WORDS =
      List.of(
          "the", "movie", "was", "good", "bad", "great", "awful", "a", "film", "plot", "acting",
          "is", "not", "very", "boring", "fun", "and", "but", "i", "it", "loved", "hated", "this",
          "story", "music", "slow", "fast", "funny", "sad", "best", "worst", "ever", "really",
          "quite", "too", "long", "short", "cast", "script", "scene", "end", "start", "of", "to",
          ".");

  public static final List<String> LABELS = List.of("negative", "positive");

  private TinyServables() {}

  /** The 50-token tokenizer.json, written into {@code dir}. */
  public static Path tokenizer(Path dir) throws IOException {
    List<String> vocab = new ArrayList<>(TokenizerFiles.BERT_SPECIAL_TOKENS);
    vocab.addAll(WORDS);
    Files.createDirectories(dir);
    Path p = dir.resolve("tokenizer.json");
    Files.writeString(p, TokenizerFiles.wordPieceJson(vocab, true));
    return p;
  }

  /** The spec of the tiny sentiment classifier, recording {@code accuracy} as its metric. */
  public static ModelSpec spec(Path tokenizerJson, double accuracy) throws IOException {
    return TinyModels.bertSpec(2, 16, 2, 32)
        .withTokenizer(Tokenizers.describe(tokenizerJson, true))
        .withHead(new TaskHead(TaskHead.CLASSIFICATION, LABELS, "sentiment"))
        .withMetadata("metrics", Map.of("accuracy", accuracy));
  }

  /** Builds the tiny classifier with random weights from {@code seed}. */
  public static TransformerModel model(Path tokenizerJson, long seed, double accuracy)
      throws IOException {
    ModelSpec spec = spec(tokenizerJson, accuracy);
    return TransformerModel.build(spec, TinyModels.randomWeights(spec, seed), tokenizerJson);
  }

  /** Writes version {@code version} of {@code task} into the repository. */
  public static Path write(
      ModelRepository repo,
      String task,
      long version,
      Path tokenizerJson,
      long seed,
      double accuracy)
      throws IOException {
    try (TransformerModel m = model(tokenizerJson, seed, accuracy)) {
      return repo.write(task, version, dir -> m.export(dir, false));
    }
  }

  /** Cuts a version's variables data file to half its length (a torn copy). */
  public static void truncateVariables(Path versionDir) throws IOException {
    Path data = versionDir.resolve("variables").resolve("variables.data-00000-of-00001");
    long size = Files.size(data);
    try (FileChannel c = FileChannel.open(data, StandardOpenOption.WRITE)) {
      c.truncate(size / 2);
    }
  }
}
