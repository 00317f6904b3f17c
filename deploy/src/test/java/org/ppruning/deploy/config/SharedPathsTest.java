package org.ppruning.deploy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
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
  void kubernetesManifestsFromBeforeIssue16AreReported() {
    List<String> problems = SharedPaths.problems(kubernetes(Manifests.load(BEFORE.resolve("k8s"))));
    assertReportsTheEmptyDirRepository(problems, "emptyDir work");
  }

  @Test
  void composeFileFromBeforeIssue16IsReported() {
    List<String> problems =
        SharedPaths.problems(compose(BEFORE.resolve("docker").resolve("compose.yaml")));
    assertReportsTheEmptyDirRepository(problems, "the container's own file system");
  }

  private static void assertReportsTheEmptyDirRepository(List<String> problems, String where) {
    String all = String.join("\n", problems);
    // The repository: its key, the value resolved from ${ppruning.pruner.work-dir}/models with the
    // work dir from the environment, and where it lands.
    assertTrue(
        problems.stream()
            .anyMatch(
                p ->
                    p.contains(
                            "ppruning.pruner.repository = /var/lib/ppruning/pruner/models"
                                + " (application.properties ppruning.pruner.repository:"
                                + " ${ppruning.pruner.work-dir}/models)")
                        && p.contains(where + " at ")
                        && p.contains("(not persistent)")),
        all);
    assertTrue(
        problems.stream()
            .anyMatch(
                p ->
                    p.contains("cannot open the versions model events announce")
                        && p.contains("under /var/lib/ppruning/pruner/models")),
        all);
    assertTrue(
        problems.stream()
            .anyMatch(
                p ->
                    p.contains("ppruning.pruner.state-dir = /var/lib/ppruning/pruner/state")
                        && p.contains("(not persistent)")),
        all);
    assertTrue(
        problems.stream()
            .anyMatch(
                p ->
                    p.contains(
                            "ppruning.finetuner.serving.repository ="
                                + " /var/lib/ppruning/finetuner/models")
                        && p.contains("(not persistent)")),
        all);
    assertEquals(4, problems.size(), all);
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
