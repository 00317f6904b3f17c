package org.ppruning.deploy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ppruning.deploy.config.SharedPathsTest.oneSays;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ppruning.deploy.images.ServiceFacts;
import org.ppruning.deploy.k8s.Manifests;

/**
 * deploy/k8s and deploy/docker/compose.yaml run serving-only finetuners beside the training one
 * ({@link KubernetesServing}, {@link ComposeServing}): each resolved into its effective
 * configuration (ConfigMap and env over the packaged application.properties) reads exactly the
 * repository the training finetuner writes, on the same claim and folder, with training off; the
 * Kubernetes one rolls without lowering the ready replicas, is scaled by an autoscaler on CPU and
 * is what the client Service selects. The same checks report the manifests from before (one
 * finetuner that trains and serves), and each rule is shown to report a manifest that breaks it.
 */
class ServingReplicasTest {

  private static final Path BEFORE =
      ServiceFacts.root().resolve("deploy/src/test/resources/manifests-before-issue-17");
  private static final String SERVING = "ppruning-finetuner-serving";
  private static ServiceFacts finetuner;

  @BeforeAll
  static void facts() {
    finetuner =
        ServiceFacts.all().stream().filter(s -> s.name().equals("finetuner")).findFirst().get();
  }

  @Test
  void kubernetesManifestsRunServingReplicasBesideTheTrainingOne() {
    Manifests m = Manifests.load();
    assertEquals(List.of(), KubernetesServing.problems(m, finetuner));
    // What the check relied on, stated: both resolve the repository to the same folder of the
    // claim.
    ServiceRuntime training = runtime(m, "ppruning-finetuner");
    ServiceRuntime serving = runtime(m, SERVING);
    assertTrue(ServingReplicas.trains(training));
    assertFalse(ServingReplicas.trains(serving));
    String repo = serving.config().value(ServingReplicas.REPOSITORY);
    assertEquals("/models/finetuned", repo);
    assertEquals(
        training.locate(training.config().value(ServingReplicas.REPOSITORY)), serving.locate(repo));
    assertEquals("persistentVolumeClaim ppruning-models", serving.locate(repo).volume());
    HorizontalPodAutoscaler hpa = m.named(HorizontalPodAutoscaler.class, SERVING);
    assertEquals(SERVING, hpa.getSpec().getScaleTargetRef().getName());
    assertEquals(2, hpa.getSpec().getMinReplicas());
    assertNull(m.named(Deployment.class, SERVING).getSpec().getReplicas());
    assertEquals(
        0,
        m.named(Deployment.class, SERVING)
            .getSpec()
            .getStrategy()
            .getRollingUpdate()
            .getMaxUnavailable()
            .getIntVal());
  }

  @Test
  void composeFileRunsAScalableServingReplica() {
    JsonNode compose = yaml(ServiceFacts.root().resolve("deploy/docker/compose.yaml"));
    assertEquals(List.of(), ComposeServing.problems(compose, finetuner));
    ServiceRuntime serving =
        ServiceRuntime.fromCompose(
            compose, "finetuner-serving", "finetuner", finetuner.properties());
    assertEquals("named volume models", serving.locate("/models/finetuned").volume());
    assertTrue(
        compose.path("services").path("finetuner-serving").toString().contains("models:/models:ro"),
        "read-only mount of the models volume");
    assertFalse(ServingReplicas.trains(serving));
  }

  @Test
  void manifestsFromBeforeAreReported() {
    List<String> k8s = KubernetesServing.problems(Manifests.load(BEFORE.resolve("k8s")), finetuner);
    assertEquals(1, k8s.size(), String.join("\n", k8s));
    oneSays(
        k8s,
        "no serving-only finetuner Deployment (ppruning.finetuner.training.enabled=false)",
        "Deployment ppruning-finetuner: ppruning.finetuner.training.enabled = true (its default)",
        "serving stops during every update and cannot scale out");
    List<String> compose =
        ComposeServing.problems(yaml(BEFORE.resolve("docker/compose.yaml")), finetuner);
    assertEquals(1, compose.size(), String.join("\n", compose));
    oneSays(compose, "no serving-only finetuner compose service", "cannot be scaled with --scale");
  }

  @Test
  void aServingReplicaReadingAnotherFolderIsReported() {
    Manifests elsewhere = Manifests.load();
    env(elsewhere, SERVING, "PPRUNING_FINETUNER_SERVING_REPOSITORY", "/models/serving");
    oneSays(
        KubernetesServing.problems(elsewhere, finetuner),
        "Deployment ppruning-finetuner-serving never sees a new version: it serves"
            + " ppruning.finetuner.serving.repository = /models/serving (env"
            + " PPRUNING_FINETUNER_SERVING_REPOSITORY), which is persistentVolumeClaim"
            + " ppruning-models at serving",
        "Deployment ppruning-finetuner writes its versions to"
            + " ppruning.finetuner.serving.repository = /models/finetuned");
    // Same path, but the claim's folder "serving" is mounted there.
    Manifests sub = Manifests.load();
    mount(sub, SERVING, "models").setSubPath("serving");
    oneSays(
        KubernetesServing.problems(sub, finetuner),
        "never sees a new version",
        "which is persistentVolumeClaim ppruning-models at serving/finetuned");
    // Without the variable: the default ${work-dir}/models, on the pod's emptyDir.
    Manifests unset = Manifests.load();
    container(unset, SERVING)
        .getEnv()
        .removeIf(e -> e.getName().equals("PPRUNING_FINETUNER_SERVING_REPOSITORY"));
    oneSays(
        KubernetesServing.problems(unset, finetuner),
        "ppruning.finetuner.serving.repository = /var/lib/ppruning/finetuner/models"
            + " (application.properties ppruning.finetuner.serving.repository:"
            + " ${ppruning.finetuner.work-dir}/models), which is emptyDir work at models (not"
            + " persistent)");
  }

  @Test
  void aServingReplicaThatTrainsIsReported() {
    Manifests m = Manifests.load();
    container(m, SERVING)
        .getEnv()
        .removeIf(e -> e.getName().equals("PPRUNING_FINETUNER_TRAINING_ENABLED"));
    List<String> problems = KubernetesServing.problems(m, finetuner);
    oneSays(
        problems,
        "expected one training finetuner Deployment",
        "[Deployment ppruning-finetuner, Deployment ppruning-finetuner-serving]");
    oneSays(problems, "no serving-only finetuner Deployment");
    oneSays(problems, "Deployment ppruning-finetuner-serving trains with strategy RollingUpdate");
    oneSays(problems, "HorizontalPodAutoscaler ppruning-finetuner-serving scales");
  }

  @Test
  void rollingUpdateReadinessAndReplicasAreChecked() {
    Manifests m = Manifests.load();
    Deployment d = m.named(Deployment.class, SERVING);
    d.getSpec().getStrategy().getRollingUpdate().setMaxUnavailable(new IntOrString("25%"));
    d.getSpec().setReplicas(3);
    container(m, SERVING).getReadinessProbe().getHttpGet().setPath("/q/health/live");
    exactly(
        KubernetesServing.problems(m, finetuner),
        "maxUnavailable 25%, not 0",
        "no readiness probe on /q/health/ready at port 8083",
        "sets replicas 3: every apply resets what its autoscaler decided");
    Manifests recreate = Manifests.load();
    recreate.named(Deployment.class, SERVING).getSpec().getStrategy().setType("Recreate");
    oneSays(KubernetesServing.problems(recreate, finetuner), "not an explicit RollingUpdate");
  }

  @Test
  void autoscalerIsChecked() {
    Manifests m = Manifests.load();
    HorizontalPodAutoscaler h = m.named(HorizontalPodAutoscaler.class, SERVING);
    h.getSpec().setMinReplicas(1);
    h.getSpec().setMaxReplicas(1);
    h.getSpec().getMetrics().get(0).getResource().setName("memory");
    exactly(
        KubernetesServing.problems(m, finetuner),
        "minReplicas 1: one pod's restart would stop serving",
        "maxReplicas 1 <= minReplicas 1",
        "no CPU Utilization target");
    Manifests other = Manifests.load();
    other.named(HorizontalPodAutoscaler.class, SERVING).getSpec().getScaleTargetRef().setName("x");
    assertEquals(
        List.of(
            "no HorizontalPodAutoscaler (autoscaling/v2) targets Deployment"
                + " ppruning-finetuner-serving"),
        KubernetesServing.problems(other, finetuner));
  }

  @Test
  void claimMustBeReadWriteManyAndMountedReadOnly() {
    Manifests m = Manifests.load();
    assertEquals(true, mount(m, SERVING, "models").getReadOnly());
    m.named(PersistentVolumeClaim.class, "ppruning-models")
        .getSpec()
        .setAccessModes(List.of("ReadWriteOnce"));
    mount(m, SERVING, "models").setReadOnly(false);
    List<String> problems = KubernetesServing.problems(m, finetuner);
    assertEquals(2, problems.size(), String.join("\n", problems));
    oneSays(
        problems, "PersistentVolumeClaim ppruning-models is [ReadWriteOnce], not ReadWriteMany");
    oneSays(
        problems,
        "Deployment ppruning-finetuner-serving mounts claim ppruning-models read-write at"
            + " /models: serving replicas only read the versions");
    // Unset is read-write too; read-only on the pod's volume source counts as read-only.
    Manifests unset = Manifests.load();
    mount(unset, SERVING, "models").setReadOnly(null);
    oneSays(KubernetesServing.problems(unset, finetuner), "read-write at /models");
    mount(unset, SERVING, "models").setReadOnly(false);
    unset.named(Deployment.class, SERVING).getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getName().equals("models"))
        .forEach(v -> v.getPersistentVolumeClaim().setReadOnly(true));
    assertEquals(List.of(), KubernetesServing.problems(unset, finetuner));
  }

  @Test
  void clientServiceSelectsTheServingPodsOnlyWithTheFinetunersPorts() {
    Manifests m = Manifests.load();
    // The training pod labelled like the serving pods, the Service selecting by that label.
    m.named(Deployment.class, "ppruning-finetuner")
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getLabels()
        .put("app.kubernetes.io/component", "serving");
    Service s = m.named(Service.class, SERVING);
    s.getSpec().setSelector(Map.of("app.kubernetes.io/component", "serving"));
    s.getSpec().getPorts().get(1).setTargetPort(new IntOrString(9001));
    List<String> problems = KubernetesServing.problems(m, finetuner);
    oneSays(
        problems,
        "Service ppruning-finetuner-serving selects the serving pods of Deployment"
            + " ppruning-finetuner-serving and the training pod of Deployment ppruning-finetuner");
    oneSays(problems, "Service ppruning-finetuner-serving exposes {grpc=9001, http=8083}");
    Manifests none = Manifests.load();
    for (String name : List.of(SERVING, SERVING + "-pods")) {
      none.named(Service.class, name).getSpec().setSelector(Map.of("app", "nothing"));
    }
    assertEquals(
        List.of(
            "no Service selects the pods of Deployment ppruning-finetuner-serving: clients have"
                + " no address for them"),
        KubernetesServing.problems(none, finetuner));
  }

  @Test
  void composeRulesAreChecked() {
    ObjectNode compose =
        (ObjectNode) yaml(ServiceFacts.root().resolve("deploy/docker/compose.yaml"));
    ObjectNode svc = (ObjectNode) compose.path("services").path("finetuner-serving");
    svc.putArray("ports").add("9000:9000").add("8083");
    svc.putArray("depends_on").add("topics");
    ((ObjectNode) svc.path("environment"))
        .put("PPRUNING_FINETUNER_SERVING_REPOSITORY", "/var/lib/ppruning/finetuner/models");
    List<String> problems = ComposeServing.problems(compose, finetuner);
    assertEquals(3, problems.size(), String.join("\n", problems));
    oneSays(problems, "host port 9000 for 9000: a second replica cannot publish it");
    oneSays(problems, "depends_on topics (Kafka)");
    oneSays(
        problems,
        "compose service finetuner-serving never sees a new version",
        "which is the container's own file system at /var/lib/ppruning/finetuner/models (not"
            + " persistent)");
    ObjectNode rw = (ObjectNode) yaml(ServiceFacts.root().resolve("deploy/docker/compose.yaml"));
    ObjectNode rwSvc = (ObjectNode) rw.path("services").path("finetuner-serving");
    rwSvc.putArray("volumes").add("models:/models");
    assertEquals(
        List.of(
            "compose service finetuner-serving mounts models:/models read-write: serving replicas"
                + " only read the versions, the training finetuner is their one writer (add :ro)"),
        ComposeServing.problems(rw, finetuner));
    rwSvc
        .putArray("volumes")
        .addObject()
        .put("type", "volume")
        .put("source", "models")
        .put("target", "/models")
        .put("read_only", true);
    assertEquals(List.of(), ComposeServing.problems(rw, finetuner));
  }

  /** {@code problems} are as many as {@code each}, and each of {@code each} is in exactly one. */
  private static void exactly(List<String> problems, String... each) {
    assertEquals(each.length, problems.size(), String.join("\n", problems));
    for (String part : each) {
      oneSays(problems, part);
    }
  }

  private static ServiceRuntime runtime(Manifests m, String deployment) {
    return ServiceRuntime.fromKubernetes(
        m, m.named(Deployment.class, deployment), "finetuner", finetuner.properties());
  }

  private static Container container(Manifests m, String deployment) {
    return m.named(Deployment.class, deployment)
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0);
  }

  private static VolumeMount mount(Manifests m, String deployment, String volume) {
    return container(m, deployment).getVolumeMounts().stream()
        .filter(v -> v.getName().equals(volume))
        .findFirst()
        .orElseThrow();
  }

  private static void env(Manifests m, String deployment, String name, String value) {
    container(m, deployment).getEnv().stream()
        .filter(e -> e.getName().equals(name))
        .findFirst()
        .orElseThrow()
        .setValue(value);
  }

  private static JsonNode yaml(Path file) {
    try {
      return new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalStateException(file + " does not parse: " + e, e);
    }
  }
}
