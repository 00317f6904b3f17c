package org.ppruning.profiler;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;
import org.ppruning.service.RenamedKeys;

/** The Kafka keys that moved under {@code ppruning.profiler.kafka.} are refused by name. */
class ProfilerRenamedKeysTest {
  static Config config(Map<String, String> props, Map<String, String> env) {
    return new SmallRyeConfigBuilder()
        .withSources(new PropertiesConfigSource(props, "test", 100))
        .withSources(new EnvConfigSource(env, 300))
        .build();
  }

  static String refused(Map<String, String> props, Map<String, String> env) {
    return assertThrows(
            IllegalArgumentException.class,
            () -> RenamedKeys.check(config(props, env), RenamedKeys.SERVICES))
        .getMessage();
  }

  @Test
  void everyOldKafkaKeyIsRefusedWithItsNewName() {
    assertEquals(
        "renamed configuration keys: ppruning.profiler.group is now"
            + " ppruning.profiler.kafka.group (see docs/operations.md)",
        refused(Map.of("ppruning.profiler.group", "g"), Map.of()));
    assertEquals(
        "renamed configuration keys: ppruning.profiler.topics.summaries is now"
            + " ppruning.profiler.kafka.topics.summaries (see docs/operations.md)",
        refused(Map.of("ppruning.profiler.topics.summaries", "s"), Map.of()));
    assertEquals(
        "renamed configuration keys: ppruning.profiler.partitions is now"
            + " ppruning.profiler.kafka.partitions; ppruning.profiler.replication-factor is"
            + " now ppruning.profiler.kafka.replication-factor (see docs/operations.md)",
        refused(
            Map.of(
                "ppruning.profiler.partitions", "6", "ppruning.profiler.replication-factor", "3"),
            Map.of()));
    assertEquals(
        "renamed configuration keys: PPRUNING_PROFILER_TOPICS_DLQ"
            + " (ppruning.profiler.topics.*) is now PPRUNING_PROFILER_KAFKA_TOPICS_*"
            + " (ppruning.profiler.kafka.topics.*) (see docs/operations.md)",
        refused(Map.of(), Map.of("PPRUNING_PROFILER_TOPICS_DLQ", "d")));
  }

  @Test
  void theNewKeysAndTheOtherSettingsPass() {
    assertDoesNotThrow(
        () ->
            RenamedKeys.check(
                config(
                    Map.of(
                        "ppruning.profiler.kafka.group", "g",
                        "ppruning.profiler.kafka.topics.samples", "s",
                        "ppruning.profiler.kafka.partitions", "6",
                        "ppruning.profiler.batch-size", "8"),
                    Map.of("PPRUNING_PROFILER_KAFKA_REPLICATION_FACTOR", "3")),
                RenamedKeys.SERVICES));
  }
}
