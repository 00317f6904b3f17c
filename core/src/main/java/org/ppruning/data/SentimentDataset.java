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
 * The UCI "sentiment labelled sentences" (Kotzias et al., KDD 2015): 1,000 IMDb, 1,000 Yelp and
 * 1,000 Amazon review sentences, half positive, as shipped in npm {@code sentiment@5.0.2} ({@code
 * test/fixtures/*.json}). It stands in for SST-2 (binary sentence sentiment); it is not SST-2.
 * Sample ids are {@code imdb-0} ... {@code amazon-999}; labels {@code 0} (negative) and {@code 1}
 * (positive). Each of the three files ends with one empty placeholder item ({@code {"text": "",
 * "class": null}}); these 3 items are skipped, and an empty item anywhere else is an error.
 */
public final class SentimentDataset {
  public static final String NPM = "sentiment@5.0.2";
  public static final long NPM_SIZE = 141_649L;
  public static final String NPM_SHA256 =
      "89302eb03d2005d03b214fe65814bb48adb7d3c42c8ca80bdee6a3ecb7e4480f";
  static final List<String> SOURCES = List.of("imdb", "yelp", "amazon");

  private SentimentDataset() {}

  /**
   * Train/dev/test by {@link Split#of} the sample id: 2,412 / 298 / 290 sentences (positive 1,195 /
   * 155 / 150).
   */
  public static SplitData<Sample> splits(ArtifactCache cache, PrintStream progress)
      throws IOException {
    return SplitData.byKey(load(cache, progress), Sample::id);
  }

  /** All 3,000 sentences, in file order (imdb, yelp, amazon). */
  public static List<Sample> load(ArtifactCache cache, PrintStream progress) throws IOException {
    Path dir = cache.unpackTgz(cache.npm(NPM, NPM_SIZE, NPM_SHA256, progress), progress);
    List<Sample> out = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    for (String src : SOURCES) {
      Path f = dir.resolve("package/test/fixtures/" + src + ".json");
      JsonNode arr = json.readTree(f.toFile());
      for (int i = 0; i < arr.size(); i++) {
        JsonNode n = arr.get(i);
        // Each file ends with one empty placeholder item {"text":"","class":null}; nothing else
        // may be empty.
        if (i == arr.size() - 1 && n.path("text").asText().isEmpty() && n.path("class").isNull()) {
          continue;
        }
        int label = n.path("class").asInt(-1);
        if (label != 0 && label != 1) {
          throw new IOException(f + " item " + i + ": class must be 0 or 1, got " + n.get("class"));
        }
        out.add(
            new Sample(
                src + "-" + i, n.path("text").asText().strip(), null, Integer.toString(label)));
      }
    }
    return out;
  }
}
