package org.ppruning.deploy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ppruning.deploy.images.ServiceFacts;
import org.ppruning.deploy.k8s.Manifests;

/**
 * The manifests of deploy/k8s and deploy/docker/compose.yaml, resolved into each service's
 * effective configuration (environment over its application.properties), put every path one service
 * writes for another or for its own restart on the shared persistent volume, where the other pod
 * finds it under the same absolute path ({@link SharedPaths}). The same check on copies of the
 * manifests from before issue 16 reports the pruner's repository on an emptyDir, naming the key and
 * the path.
 */
class SharedPathsTest {

  private static final List<String> SERVICES = List.of("profiler", "pruner", "finetuner");
  private static final Path BEFORE =
      ServiceFacts.root().resolve("deploy/src/test/resources/manifests-before-issue-16");

  @Test
  void kubernetesManifestsShareWhatTheServicesWrite() {
    Map<String, ServiceRuntime> k8s = kubernetes(Manifests.load());
    assertEquals(List.of(), SharedPaths.problems(k8s));
    // What the check relied on, stated: the finetuner opens the pruner's versions at the path the
    // model events carry, on the same claim and folder.
    String repo = k8s.get("pruner").config().value("ppruning.pruner.repository");
    assertEquals(k8s.get("pruner").locate(repo), k8s.get("finetuner").locate(repo));
    assertTrue(
        k8s.get("pruner").locate(repo).volume().equals("persistentVolumeClaim ppruning-models"),
        repo + " is on " + k8s.get("pruner").locate(repo));
  }

  @Test
  void composeFileSharesWhatTheServicesWrite() {
    Map<String, ServiceRuntime> compose =
        compose(ServiceFacts.root().resolve("deploy/docker/compose.yaml"));
    assertEquals(List.of(), SharedPaths.problems(compose));
    String state = compose.get("pruner").config().value("ppruning.pruner.state-dir");
    assertEquals("named volume models", compose.get("pruner").locate(state).volume());
  }

  @Test
  void aFinetunerMountingTheClaimElsewhereIsReported() {
    // The claim's folder "finetuner" at /models: /models/pruned is another folder of the claim.
    Manifests sub = Manifests.load();
    modelsMount(sub).setSubPath("finetuner");
    oneSays(
        SharedPaths.problems(kubernetes(sub)),
        "cannot open the versions model events announce: they name folders under /models/pruned",
        "in the finetuner's container is persistentVolumeClaim ppruning-models at"
            + " finetuner/pruned");
    // The claim at /data: /models/pruned is not on it at all.
    Manifests elsewhere = Manifests.load();
    modelsMount(elsewhere).setMountPath("/data");
    oneSays(
        SharedPaths.problems(kubernetes(elsewhere)),
        "cannot open the versions model events announce",
        "in the finetuner's container is the container's own file system at /models/pruned");
  }

  @Test
  void overlappingRepositoriesAreReported() {
    Manifests m = Manifests.load();
    finetuner(m).getEnv().stream()
        .filter(e -> e.getName().equals("PPRUNING_FINETUNER_SERVING_REPOSITORY"))
        .findFirst()
        .orElseThrow()
        .setValue("/models/pruned/tuned");
    List<String> problems = SharedPaths.problems(kubernetes(m));
    assertEquals(1, problems.size(), String.join("\n", problems));
    oneSays(
        problems,
        "repositories overlap",
        "ppruning.finetuner.serving.repository = /models/pruned/tuned");
  }

  @Test
  void aFinetunerThatAcceptsEventsFromElsewhereIsReported() {
    Manifests m = Manifests.load();
    finetuner(m)
        .getEnv()
        .removeIf(e -> e.getName().equals("PPRUNING_FINETUNER_TRAINING_PRUNED_REPOSITORY"));
    List<String> problems = SharedPaths.problems(kubernetes(m));
    assertEquals(1, problems.size(), String.join("\n", problems));
    oneSays(
        problems,
        "refuses every model event",
        "ppruning.finetuner.training.pruned-repository = /var/lib/ppruning/finetuner/../pruner/models",
        "ppruning.pruner.repository = /models/pruned");
  }

  private static Container finetuner(Manifests m) {
    return m.named(Deployment.class, "ppruning-finetuner")
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0);
  }

  private static VolumeMount modelsMount(Manifests m) {
    return finetuner(m).getVolumeMounts().stream()
        .filter(v -> v.getName().equals("models"))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void kubernetesManifestsFromBeforeIssue16AreReported() {
    List<String> problems = SharedPaths.problems(kubernetes(Manifests.load(BEFORE.resolve("k8s"))));
    assertReportsTheWorkDirPaths(problems, "emptyDir work at ", "");
  }

  @Test
  void composeFileFromBeforeIssue16IsReported() {
    List<String> problems =
        SharedPaths.problems(compose(BEFORE.resolve("docker").resolve("compose.yaml")));
    assertReportsTheWorkDirPaths(
        problems, "the container's own file system at ", "/var/lib/ppruning/pruner/");
  }

  /**
   * The four problems of the old files, each naming the key, the value it resolves to (from the
   * application.properties default and the work dir the environment sets) and where that lands.
   *
   * @param where how the work dir's volume is named, e.g. "emptyDir work at "
   * @param prefix the path in that volume of the pruner's work dir
   */
  private static void assertReportsTheWorkDirPaths(
      List<String> problems, String where, String prefix) {
    assertEquals(4, problems.size(), String.join("\n", problems));
    oneSays(
        problems,
        "ppruning.pruner.repository = /var/lib/ppruning/pruner/models (application.properties"
            + " ppruning.pruner.repository: ${ppruning.pruner.work-dir}/models) is on "
            + where
            + prefix
            + "models (not persistent)");
    oneSays(
        problems,
        "cannot open the versions model events announce: they name folders under"
            + " /var/lib/ppruning/pruner/models",
        "in the finetuner's container is the container's own file system at"
            + " /var/lib/ppruning/pruner/models (not persistent)");
    oneSays(
        problems,
        "ppruning.pruner.state-dir = /var/lib/ppruning/pruner/state",
        where + prefix + "state (not persistent)");
    oneSays(
        problems,
        "ppruning.finetuner.serving.repository = /var/lib/ppruning/finetuner/models",
        "(not persistent)");
  }

  /** Exactly one of {@code problems} contains every one of {@code parts}. */
  static void oneSays(List<String> problems, String... parts) {
    long n = problems.stream().filter(p -> List.of(parts).stream().allMatch(p::contains)).count();
    assertEquals(
        1, n, "problems saying all of " + List.of(parts) + " in:\n" + String.join("\n", problems));
  }

  private static Map<String, ServiceRuntime> kubernetes(Manifests manifests) {
    Map<String, ServiceRuntime> out = new LinkedHashMap<>();
    for (String s : SERVICES) {
      out.put(s, ServiceRuntime.fromKubernetes(manifests, s, ServiceFacts.prodProperties(s)));
    }
    return out;
  }

  private static Map<String, ServiceRuntime> compose(Path file) {
    JsonNode compose;
    try {
      compose = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalStateException(file + " does not parse: " + e, e);
    }
    Map<String, ServiceRuntime> out = new LinkedHashMap<>();
    for (String s : SERVICES) {
      out.put(s, ServiceRuntime.fromCompose(compose, s, ServiceFacts.prodProperties(s)));
    }
    return out;
  }
}
