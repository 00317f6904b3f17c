package org.ppruning.local;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@code up} records about a service it started ({@code RUN_DIR/<service>.json}): enough for
 * {@code status} and {@code down} to find the process again and to check that a pid still belongs
 * to it.
 *
 * @param service service id
 * @param pid process id of the service JVM
 * @param httpPort HTTP port (health, metrics)
 * @param grpcPort gRPC port, or null for services without gRPC
 * @param bootstrap the Kafka bootstrap servers it was given
 * @param log its log file
 * @param startedAt ISO-8601 instant of the start
 */
public record PidFile(
    String service,
    long pid,
    int httpPort,
    Integer grpcPort,
    String bootstrap,
    String log,
    String startedAt) {

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
    RunFiles.write(file, this);
  }

  /** Empty if the file does not exist; an error naming the file if it is not a valid pid file. */
  public static Optional<PidFile> read(Path file) throws IOException {
    return RunFiles.read(file, PidFile.class, "pid file");
  }
}
