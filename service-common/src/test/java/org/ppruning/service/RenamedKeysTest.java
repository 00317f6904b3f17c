package org.ppruning.service;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;

class RenamedKeysTest {
  private static final Map<String, String> RENAMED =
      Map.of(
          "ppruning.profiler.group", "ppruning.profiler.kafka.group",
          "ppruning.profiler.topics.", "ppruning.profiler.kafka.topics.");

  private static Config config(Map<String, String> props) {
    return new SmallRyeConfigBuilder()
        .withSources(new PropertiesConfigSource(props, "test", 100))
        .build();
  }

  @Test
  void oldKeysAreRefusedWithTheirNewNames() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RenamedKeys.check(config(Map.of("ppruning.profiler.group", "g")), RENAMED));
    assertEquals(
        "renamed configuration keys: ppruning.profiler.group is now"
            + " ppruning.profiler.kafka.group (see docs/operations.md)",
        e.getMessage());
    var p =
        assertThrows(
            IllegalArgumentException.class,
            () -> RenamedKeys.check(config(Map.of("ppruning.profiler.topics.dlq", "d")), RENAMED));
    assertEquals(
        "renamed configuration keys: ppruning.profiler.topics.dlq is now"
            + " ppruning.profiler.kafka.topics.dlq (see docs/operations.md)",
        p.getMessage());
  }

  @Test
  void oldEnvironmentVariablesAreRefusedToo() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RenamedKeys.check(
                    new SmallRyeConfigBuilder()
                        .withSources(
                            new EnvConfigSource(Map.of("PPRUNING_PROFILER_GROUP", "g"), 300))
                        .build(),
                    RENAMED));
    assertEquals(
        "renamed configuration keys: PPRUNING_PROFILER_GROUP (ppruning.profiler.group)"
            + " is now PPRUNING_PROFILER_KAFKA_GROUP (ppruning.profiler.kafka.group)"
            + " (see docs/operations.md)",
        e.getMessage());
  }

  @Test
  void newKeysPass() {
    assertDoesNotThrow(
        () ->
            RenamedKeys.check(
                config(
                    Map.of(
                        "ppruning.profiler.kafka.group",
                        "g",
                        "ppruning.profiler.kafka.topics.dlq",
                        "d",
                        "PPRUNING_PROFILER_KAFKA_GROUP",
                        "g")),
                RENAMED));
  }
}
