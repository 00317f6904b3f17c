package org.ppruning.deploy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** SmallRye's environment-name and expression rules as {@link EffectiveConfig} applies them. */
class EffectiveConfigTest {

  private static final Map<String, String> PROPERTIES =
      Map.of(
          "ppruning.pruner.work-dir", "${user.home}/.cache/ppruning/pruner",
          "ppruning.pruner.repository", "${ppruning.pruner.work-dir}/models",
          "ppruning.pruner.state-dir", "${STATE_ROOT:${ppruning.pruner.work-dir}/state}",
          "loop.a", "${loop.b}",
          "loop.b", "${loop.a}");

  private static EffectiveConfig config(String... env) {
    Map<String, Optional<String>> m = new LinkedHashMap<>();
    for (int i = 0; i < env.length; i += 2) {
      m.put(env[i], Optional.ofNullable(env[i + 1]));
    }
    return new EffectiveConfig(m, PROPERTIES, "test");
  }

  @Test
  void environmentIsSearchedExactThenSanitizedThenUpperCase() {
    String key = "ppruning.pruner.work-dir";
    assertEquals(
        "/exact",
        config(
                "ppruning.pruner.work-dir", "/exact",
                "ppruning_pruner_work_dir", "/sanitized",
                "PPRUNING_PRUNER_WORK_DIR", "/upper")
            .value(key));
    assertEquals(
        "/sanitized",
        config("ppruning_pruner_work_dir", "/sanitized", "PPRUNING_PRUNER_WORK_DIR", "/upper")
            .value(key));
    assertEquals("/upper", config("PPRUNING_PRUNER_WORK_DIR", "/upper").value(key));
    // Not a rule: mixed case, or a dash kept.
    assertThrows(
        IllegalArgumentException.class, () -> config("Ppruning_Pruner_Work_Dir", "/x").value(key));
    assertThrows(
        IllegalArgumentException.class, () -> config("PPRUNING_PRUNER_WORK-DIR", "/x").value(key));
  }

  @Test
  void expressionsExpandThroughBothSourcesAndDefaults() {
    EffectiveConfig c = config("PPRUNING_PRUNER_WORK_DIR", "/w");
    assertEquals("/w/models", c.value("ppruning.pruner.repository"));
    assertEquals("/w/state", c.value("ppruning.pruner.state-dir"), "default of ${STATE_ROOT:...}");
    assertEquals(
        "/s",
        config("PPRUNING_PRUNER_WORK_DIR", "/w", "STATE_ROOT", "/s")
            .value("ppruning.pruner.state-dir"));
    assertEquals(
        "ppruning.pruner.repository = /w/models (application.properties"
            + " ppruning.pruner.repository: ${ppruning.pruner.work-dir}/models)",
        c.explain("ppruning.pruner.repository"));
  }

  @Test
  void environmentOverridesApplicationProperties() {
    EffectiveConfig c =
        config("PPRUNING_PRUNER_WORK_DIR", "/w", "PPRUNING_PRUNER_REPOSITORY", "/models/pruned");
    assertEquals("/models/pruned", c.value("ppruning.pruner.repository"));
    assertEquals(
        "ppruning.pruner.repository = /models/pruned (env PPRUNING_PRUNER_REPOSITORY)",
        c.explain("ppruning.pruner.repository"));
  }

  @Test
  void unresolvableValuesAreErrorsNamingTheKey() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> config().value("ppruning.pruner.repository"));
    assertTrue(
        e.getMessage().contains("${user.home}") && e.getMessage().contains("user.home"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> config().value("no.such-key"));
    assertTrue(
        e.getMessage().contains("no.such-key") && e.getMessage().contains("NO_SUCH_KEY"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> config().value("loop.a"));
    assertTrue(e.getMessage().contains("cycle"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> config("PPRUNING_PRUNER_WORK_DIR", null).value("ppruning.pruner.repository"));
    assertTrue(e.getMessage().contains("PPRUNING_PRUNER_WORK_DIR"), e.getMessage());
  }
}
