package org.ppruning.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads samples from JSON lines: one object per line with {@code text} and optional {@code id},
 * {@code text_pair}, {@code label} (the same fields as the {@code ppruning.samples} topic).
 */
public final class SampleFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SampleFiles() {}

  /**
   * @throws IllegalArgumentException naming the file and line of the first bad record (not JSON, no
   *     text, a duplicate id), or if the file holds no samples
   */
  public static List<Sample> readJsonLines(Path file) throws IOException {
    List<Sample> out = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      int lineNo = 0;
      for (String line; (line = r.readLine()) != null; ) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        String where = file + " line " + lineNo;
        JsonNode n;
        try {
          n = JSON.readTree(line);
        } catch (IOException e) {
          throw new IllegalArgumentException(
              where + ": not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (!n.isObject()) {
          throw new IllegalArgumentException(where + ": expected a JSON object");
        }
        JsonNode text = n.get("text");
        if (text == null || !text.isTextual() || text.asText().isBlank()) {
          throw new IllegalArgumentException(where + ": missing or empty \"text\"");
        }
        String id = n.hasNonNull("id") ? n.get("id").asText() : "line-" + lineNo;
        if (!ids.add(id)) {
          throw new IllegalArgumentException(where + ": duplicate id '" + id + "'");
        }
        JsonNode pair = n.get("text_pair");
        if (pair != null && !pair.isNull() && (!pair.isTextual() || pair.asText().isBlank())) {
          throw new IllegalArgumentException(where + ": \"text_pair\" must be a non-empty string");
        }
        JsonNode label = n.get("label");
        out.add(
            new Sample(
                id,
                text.asText(),
                pair == null || pair.isNull() ? null : pair.asText(),
                label == null || label.isNull() ? null : label.asText()));
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(file + " holds no samples");
    }
    return out;
  }
}
