package org.ppruning.local;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.ppruning.fetch.AtomicFiles;

/** The JSON records of a run directory (pid files, broker record): strict reads, atomic writes. */
final class RunFiles {
  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

  private RunFiles() {}

  /** Replaces {@code file} atomically, so a reader never sees half a record. */
  static void write(Path file, Object record) throws IOException {
    AtomicFiles.writeString(
        file, MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(record) + "\n");
  }

  /** Empty if the file does not exist; an error naming the file and {@code what} it should be. */
  static <T> Optional<T> read(Path file, Class<T> type, String what) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    try {
      return Optional.of(MAPPER.readValue(bytes, type));
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException(
          "not a valid "
              + what
              + ": "
              + file
              + ": "
              + firstLine(e.getMessage())
              + " (remove it if no process of this run directory is running)",
          e);
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
