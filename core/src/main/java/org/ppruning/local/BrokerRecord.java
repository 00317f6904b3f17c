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
 * Which broker a run directory's services use ({@code RUN_DIR/broker.json}).
 *
 * @param managed   true if {@code up} started it with kafka.sh (and {@code down} stops it);
 *                  false for a broker given with {@code --bootstrap}, which is never touched
 * @param bootstrap bootstrap servers given to the services
 * @param port      client port of a managed broker, 0 for an external one
 */
public record BrokerRecord(boolean managed, String bootstrap, int port) {

  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

  public BrokerRecord {
    if (bootstrap == null || bootstrap.isBlank()) {
      throw new IllegalArgumentException("bootstrap servers must not be empty");
    }
    if (managed) {
      Ports.checkRange(port, "broker port");
    }
  }

  public static Path path(Path runDir) {
    return runDir.resolve("broker.json");
  }

  public void write(Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    MAPPER.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), this);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  public static Optional<BrokerRecord> read(Path file) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    try {
      return Optional.of(MAPPER.readValue(bytes, BrokerRecord.class));
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException("not a valid broker record: " + file + ": "
          + PidFile.firstLine(e.getMessage()), e);
    }
  }
}
