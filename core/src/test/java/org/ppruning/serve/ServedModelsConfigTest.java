package org.ppruning.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ppruning.stream.ModelRepository;

/**
 * models.config (version policies, labels) and swap decisions that survive a restart, on tiny
 * SavedModels run by TensorFlow.
 */
class ServedModelsConfigTest {
  @TempDir Path tmp;
  ModelRepository repo;
  Path tokenizer;
  List<SwapResult> events;
  List<String> warnings;

  @BeforeEach
  void setUp() throws Exception {
    repo = new ModelRepository(tmp.resolve("repo"));
    tokenizer = TinyServables.tokenizer(tmp.resolve("tok"));
    events = new ArrayList<>();
    warnings = new ArrayList<>();
  }

  private ServedModels served(SwapPolicy policy) {
    return new ServedModels(policy, 0, events::add, warnings::add);
  }

  private static ServingConfig config(VersionPolicy policy, Map<String, Long> labels) {
    return new ServingConfig(List.of(new ModelConfig("sentiment", policy, labels)));
  }

  private static long served(ServedModels s, Long version, String label) {
    try (Lease l = s.acquire("sentiment", version, label)) {
      return l.version().version();
    }
  }

  @Test
  void pinnedVersionKeepsServingWhenANewerOneAppearsAndLatestThenServesIt() throws Exception {
    try (ServedModels s = served(SwapPolicy.always())) {
      s.configure(config(VersionPolicy.Specific.of(List.of(1L)), Map.of("stable", 1L)));
      TinyServables.write(repo, "sentiment", 1, tokenizer, 1, 0.8);
      s.scan(repo);
      assertEquals(1, served(s, null, null));

      Path v2 = TinyServables.write(repo, "sentiment", 2, tokenizer, 2, 0.8);
      SwapResult offered = s.offer("sentiment", 2, v2, null);
      assertFalse(offered.accepted());
      assertEquals("models.config pins model 'sentiment' to versions [1]", offered.reason());
      s.scan(repo);
      assertEquals(1, served(s, null, null));
      assertEquals(1, served(s, null, "stable"));
      ServingException no2 = assertThrows(ServingException.class, () -> served(s, 2L, null));
      assertEquals(ServingException.Code.NOT_FOUND, no2.code());
      assertEquals(
          "version 2 of model 'sentiment' is not served; the served version is 1 (version 2"
              + " ended: models.config pins model 'sentiment' to versions [1])",
          no2.getMessage());
      VersionStatus st2 = s.status("sentiment", 2L, null).get(0);
      assertEquals(VersionStatus.State.END, st2.state());

      s.configure(config(VersionPolicy.latest(), Map.of()));
      List<SwapResult> r = s.scan(repo);
      assertEquals(1, r.size(), r.toString());
      assertTrue(r.get(0).accepted(), r.get(0).reason());
      assertEquals(2, served(s, null, null));
      assertEquals(2, served(s, null, "stable"));
      assertEquals(VersionStatus.State.AVAILABLE, s.status("sentiment", 2L, null).get(0).state());
    }
  }

  @Test
  void specificServesSeveralVersionsAddressedByNumberAndLabel() throws Exception {
    try (ServedModels s = served(SwapPolicy.always())) {
      for (long v = 1; v <= 3; v++) {
        TinyServables.write(repo, "sentiment", v, tokenizer, v, 0.8);
      }
      s.configure(
          config(VersionPolicy.Specific.of(List.of(1L, 2L)), Map.of("stable", 1L, "canary", 2L)));
      s.scan(repo);
      assertEquals(Map.of("sentiment", List.of(1L, 2L)), s.servedVersions());
      assertEquals(1, served(s, null, "stable"));
      assertEquals(2, served(s, null, "canary"));
      assertEquals(2, served(s, null, null));
      assertEquals(1, served(s, 1L, null));

      s.configure(new ServingConfig(List.of()));
      s.scan(repo);
      ServingException gone = assertThrows(ServingException.class, () -> served(s, null, null));
      assertEquals(
          "model 'sentiment' is not served; served models: []; it is not in models.config"
              + " (models: [])",
          gone.getMessage());
    }
  }

  @Test
  void refusedVersionStaysRefusedAndTheMetricIsRememberedAfterARestart() throws Exception {
    SwapPolicy strict = new SwapPolicy("accuracy", 0.0);
    try (ServedModels s = served(strict)) {
      assertTrue(
          s.offer(
                  "sentiment",
                  1,
                  TinyServables.write(repo, "sentiment", 1, tokenizer, 1, 0.5),
                  Map.of("accuracy", 0.9))
              .accepted());
      SwapResult worse =
          s.offer(
              "sentiment", 2, TinyServables.write(repo, "sentiment", 2, tokenizer, 2, 0.8), null);
      assertFalse(worse.accepted());
    }
    String decision = Files.readString(repo.path("sentiment", 2).resolve(SwapDecision.FILE));
    assertTrue(decision.contains("\"outcome\" : \"refused\""), decision);

    // The restart: a new server over the same repository. Version 1's recorded metric (0.9, given
    // with its offer; its own metadata says 0.5) is the baseline, and version 2 stays refused.
    events.clear();
    try (ServedModels s = served(strict)) {
      s.scan(repo);
      assertEquals(Map.of("sentiment", 1L), s.versions());
      assertEquals(
          "its accuracy 0.8 is worse than the served version 1's 0.9 (tolerance 0.0) (decided"
              + " before: "
              + repo.path("sentiment", 2).resolve(SwapDecision.FILE)
              + ")",
          s.refusals().get("sentiment").get(2L));

      TinyServables.write(repo, "sentiment", 3, tokenizer, 3, 0.85);
      List<SwapResult> r = s.scan(repo);
      assertEquals(1, r.size(), r.toString());
      assertFalse(r.get(0).accepted());
      assertEquals(
          "its accuracy 0.85 is worse than the served version 1's 0.9 (tolerance 0.0)",
          r.get(0).reason());
      TinyServables.write(repo, "sentiment", 4, tokenizer, 4, 0.95);
      s.scan(repo);
      assertEquals(Map.of("sentiment", 4L), s.versions());
    }
    assertEquals(List.of(), warnings);
  }
}
