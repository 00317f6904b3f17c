package org.ppruning.local;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Which broker a run directory's services use ({@code RUN_DIR/broker.json}).
 *
 * @param managed true if {@code up} started it with kafka.sh (and {@code down} stops it); false for
 *     a broker given with {@code --bootstrap}, which is never touched
 * @param bootstrap bootstrap servers given to the services
 * @param port client port of a managed broker, 0 for an external one
 */
public record BrokerRecord(boolean managed, String bootstrap, int port) {

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
    RunFiles.write(file, this);
  }

  public static Optional<BrokerRecord> read(Path file) throws IOException {
    return RunFiles.read(file, BrokerRecord.class, "broker record");
  }
}
