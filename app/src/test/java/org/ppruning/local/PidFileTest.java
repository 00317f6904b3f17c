package org.ppruning.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PidFileTest {
  @TempDir Path dir;

  @Test
  void roundTripsAndWritesAtomically() throws IOException {
    PidFile p =
        new PidFile(
            "finetuner",
            4242,
            18383,
            18390,
            "127.0.0.1:19393",
            "/run/logs/finetuner.log",
            "2026-11-28T18:00:00Z");
    Path file = PidFile.path(dir, Service.FINETUNER);
    assertEquals(dir.resolve("finetuner.json"), file);
    p.write(file);
    assertEquals(Optional.of(p), PidFile.read(file));
    assertEquals(List.of(file), Files.list(dir).toList(), "no temporary file left");
    PidFile noGrpc = new PidFile("profiler", 7, 18381, null, "b:1", "l", "t");
    noGrpc.write(file);
    assertEquals(Optional.of(noGrpc), PidFile.read(file));
  }

  @Test
  void missingFileIsEmpty() throws IOException {
    assertEquals(Optional.empty(), PidFile.read(dir.resolve("pruner.json")));
    assertEquals(Optional.empty(), BrokerRecord.read(dir.resolve("broker.json")));
  }

  @Test
  void corruptOrForeignFilesAreErrorsNamingTheFile() throws IOException {
    Path file = dir.resolve("pruner.json");
    Files.writeString(file, "{\"service\":\"pruner\",\"pid\":12");
    IOException e = assertThrows(IOException.class, () -> PidFile.read(file));
    assertTrue(e.getMessage().startsWith("not a valid pid file: " + file), e.getMessage());
    Files.writeString(
        file,
        "{\"service\":\"pruner\",\"pid\":12,\"httpPort\":1,\"grpcPort\":null,"
            + "\"bootstrap\":\"b\",\"log\":\"l\",\"startedAt\":\"t\",\"extra\":1}");
    assertTrue(
        assertThrows(IOException.class, () -> PidFile.read(file)).getMessage().contains("extra"));
    Files.writeString(
        file,
        "{\"service\":\"pruner\",\"pid\":-3,\"httpPort\":1,\"grpcPort\":null,"
            + "\"bootstrap\":\"b\",\"log\":\"l\",\"startedAt\":\"t\"}");
    assertTrue(
        assertThrows(IOException.class, () -> PidFile.read(file))
            .getMessage()
            .contains("pid must be positive"));
    Files.writeString(
        file,
        "{\"service\":\"pruner\",\"httpPort\":1,\"grpcPort\":null,"
            + "\"bootstrap\":\"b\",\"log\":\"l\",\"startedAt\":\"t\"}");
    assertTrue(
        assertThrows(IOException.class, () -> PidFile.read(file)).getMessage().contains("pid"));
  }

  @Test
  void validatesFields() {
    assertThrows(
        IllegalArgumentException.class, () -> new PidFile("trainer", 1, 1, null, "b", "l", "t"));
    assertThrows(
        IllegalArgumentException.class, () -> new PidFile("pruner", 1, 70000, null, "b", "l", "t"));
    assertThrows(IllegalArgumentException.class, () -> new BrokerRecord(true, "127.0.0.1:1", 0));
    assertThrows(IllegalArgumentException.class, () -> new BrokerRecord(false, " ", 0));
  }

  @Test
  void brokerRecordRoundTrips() throws IOException {
    BrokerRecord managed = new BrokerRecord(true, "127.0.0.1:19393", 19393);
    managed.write(BrokerRecord.path(dir));
    assertEquals(Optional.of(managed), BrokerRecord.read(BrokerRecord.path(dir)));
    BrokerRecord external = new BrokerRecord(false, "kafka-1:9093,kafka-2:9093", 0);
    external.write(BrokerRecord.path(dir));
    assertEquals(Optional.of(external), BrokerRecord.read(BrokerRecord.path(dir)));
  }
}
