package org.ppruning.finetuner;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ppruning.service.RenamedKeys;

/** The finetuner's renamed key is refused by name at startup, as a property or env var. */
class RenamedKeysTest {

  @Test
  void theOldGroupKeyIsRefusedWithItsNewName() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RenamedKeys.check(
                    new SmallRyeConfigBuilder()
                        .withSources(
                            new PropertiesConfigSource(
                                Map.of("ppruning.finetuner.training.group-id", "g"), "test", 100))
                        .build(),
                    RenamedKeys.SERVICES));
    assertEquals(
        "renamed configuration keys: ppruning.finetuner.training.group-id is now"
            + " ppruning.finetuner.kafka.group (see docs/operations.md)",
        e.getMessage());
  }

  @Test
  void theOldServingMaxLengthIsRefusedWithItsLimitsKey() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RenamedKeys.check(
                    new SmallRyeConfigBuilder()
                        .withSources(
                            new PropertiesConfigSource(
                                Map.of("ppruning.finetuner.serving.max-length", "128"),
                                "test",
                                100))
                        .build(),
                    RenamedKeys.SERVICES));
    assertEquals(
        "renamed configuration keys: ppruning.finetuner.serving.max-length is now"
            + " ppruning.finetuner.serving.limits.max-tokens-per-text (see docs/operations.md)",
        e.getMessage());
  }

  @Test
  void theOldGroupEnvironmentVariableIsRefusedToo() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RenamedKeys.check(
                    new SmallRyeConfigBuilder()
                        .withSources(
                            new EnvConfigSource(
                                Map.of("PPRUNING_FINETUNER_TRAINING_GROUP_ID", "g"), 300))
                        .build(),
                    RenamedKeys.SERVICES));
    assertEquals(
        "renamed configuration keys: PPRUNING_FINETUNER_TRAINING_GROUP_ID"
            + " (ppruning.finetuner.training.group-id) is now PPRUNING_FINETUNER_KAFKA_GROUP"
            + " (ppruning.finetuner.kafka.group) (see docs/operations.md)",
        e.getMessage());
  }

  @Test
  void theNewKeyAndTheKeptTrainingKeysPass() {
    assertDoesNotThrow(
        () ->
            RenamedKeys.check(
                new SmallRyeConfigBuilder()
                    .withSources(
                        new PropertiesConfigSource(
                            Map.of(
                                "ppruning.finetuner.kafka.group",
                                "g",
                                "ppruning.finetuner.training.enabled",
                                "true"),
                            "test",
                            100))
                    .build(),
                RenamedKeys.SERVICES));
  }
}
