package org.ppruning.local;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * What {@code up} records about a service it started ({@code RUN_DIR/<service>.json}): enough for
 * {@code status} and {@code down} to find the process again and to check that a pid still
 * belongs to it.
 *
 * @param service   service id
 * @param pid       process id of the service JVM
 * @param httpPort  HTTP port (health, metrics)
 * @param grpcPort  gRPC port, or null for services without gRPC
 * @param bootstrap the Kafka bootstrap servers it was given
 * @param log       its log file
 * @param startedAt ISO-8601 instant of the start
 */
public record PidFile(String service, long pid, int httpPort, Integer grpcPort, String bootstrap,
    String log, String startedAt) {

  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

  public PidFile {
    Service.byId(service);
    if (pid <= 0) {
      throw new IllegalArgumentException("pid must be positive, not " + pid);
    }
    Ports.checkRange(httpPort, "httpPort");
    if (grpcPort != null) {
      Ports.checkRange(grpcPort, "grpcPort");
    }
  }

  /** The pid file of a service in a run directory. */
  public static Path path(Path runDir, Service service) {
    return runDir.resolve(service.id() + ".json");
  }

  /** Writes atomically (temporary file, then rename), so a reader never sees half a file. */
  public void write(Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    MAPPER.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), this);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Empty if the file does not exist; an error naming the file if it is not a valid pid file. */
  public static Optional<PidFile> read(Path file) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    try {
      return Optional.of(MAPPER.readValue(bytes, PidFile.class));
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException("not a valid pid file: " + file + ": " + firstLine(e.getMessage())
          + " (remove it if no service of this run directory is running)", e);
    }
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
