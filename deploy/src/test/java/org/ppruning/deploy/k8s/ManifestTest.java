package org.ppruning.deploy.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ppruning.deploy.images.ServiceFacts;
import org.ppruning.deploy.images.TopicNames;

/**
 * deploy/k8s agrees with the build: every manifest parses as Kubernetes objects (fabric8), and for
 * each service the Deployment runs the image the images profile builds, exposes the ports of its
 * application.properties, probes its Quarkus health endpoints, sets only configuration keys the
 * service knows (and every required one), and mounts the model repository claim. Every topic of
 * org.ppruning.stream.Topics has a KafkaTopic with partitions and retention, and the replica counts
 * respect the partitioning rules the manifests state.
 */
class ManifestTest {

  private static Manifests manifests;
  private static List<ServiceFacts> services;

  @BeforeAll
  static void load() {
    manifests = Manifests.load();
    services = ServiceFacts.all();
  }

  @Test
  void everyServiceHasADeploymentRunningItsImageAsTheImageUser() {
    String[] user = services.get(0).images().user().split(":");
    for (ServiceFacts s : services) {
      Deployment d = manifests.named(Deployment.class, "ppruning-" + s.name());
      PodSpec pod = d.getSpec().getTemplate().getSpec();
      assertEquals(1, pod.getContainers().size(), d.getMetadata().getName() + ": one container");
      Container c = pod.getContainers().get(0);
      assertEquals(
          s.image(), c.getImage(), d.getMetadata().getName() + ": image built by -Pimages");
      assertEquals(
          Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot(), s.name() + " runAsNonRoot");
      assertEquals(
          Long.parseLong(user[0]),
          pod.getSecurityContext().getRunAsUser(),
          s.name() + " runAsUser = image user");
      assertEquals(
          Long.parseLong(user[1]),
          pod.getSecurityContext().getRunAsGroup(),
          s.name() + " runAsGroup = image group");
      assertEquals(
          d.getSpec().getSelector().getMatchLabels(),
          subset(
              d.getSpec().getTemplate().getMetadata().getLabels(),
              d.getSpec().getSelector().getMatchLabels()),
          s.name() + ": selector matches the pod labels");
    }
  }

  @Test
  void portsAndServicesMatchApplicationProperties() {
    for (ServiceFacts s : services) {
      Container c = container(s);
      Map<String, Integer> expected = new LinkedHashMap<>();
      expected.put("http", s.httpPort());
      s.grpcPort().ifPresent(p -> expected.put("grpc", p));
      Map<String, Integer> declared = new LinkedHashMap<>();
      for (ContainerPort p : c.getPorts()) {
        declared.put(p.getName(), p.getContainerPort());
      }
      assertEquals(expected, declared, s.name() + ": container ports vs application.properties");

      Service svc = manifests.named(Service.class, "ppruning-" + s.name());
      Map<String, String> podLabels =
          manifests
              .named(Deployment.class, "ppruning-" + s.name())
              .getSpec()
              .getTemplate()
              .getMetadata()
              .getLabels();
      assertEquals(
          svc.getSpec().getSelector(),
          subset(podLabels, svc.getSpec().getSelector()),
          svc.getMetadata().getName() + ": Service selector selects the Deployment's pods");
      Map<String, Integer> servicePorts = new LinkedHashMap<>();
      for (ServicePort p : svc.getSpec().getPorts()) {
        assertEquals(
            p.getName(),
            p.getTargetPort().getStrVal(),
            svc.getMetadata().getName() + ": targetPort by name");
        servicePorts.put(p.getName(), p.getPort());
      }
      assertEquals(expected, servicePorts, svc.getMetadata().getName() + ": ports");
    }
  }

  @Test
  void probesUseTheQuarkusHealthEndpoints() {
    for (ServiceFacts s : services) {
      Container c = container(s);
      checkProbe(s, "startupProbe", c.getStartupProbe(), s.healthRoot() + "/started");
      checkProbe(s, "readinessProbe", c.getReadinessProbe(), s.healthRoot() + "/ready");
      checkProbe(s, "livenessProbe", c.getLivenessProbe(), s.healthRoot() + "/live");
    }
  }

  private static void checkProbe(ServiceFacts s, String what, Probe probe, String path) {
    assertNotNull(probe, s.name() + ": no " + what);
    assertNotNull(probe.getHttpGet(), s.name() + ": " + what + " is not an HTTP probe");
    assertEquals(path, probe.getHttpGet().getPath(), s.name() + ": " + what + " path");
    assertEquals(
        "http", probe.getHttpGet().getPort().getStrVal(), s.name() + ": " + what + " port");
  }

  @Test
  void environmentSetsOnlyKnownKeysAndEveryRequiredOne() {
    for (ServiceFacts s : services) {
      Container c = container(s);
      Map<String, String> env = environment(c);
      List<String> unknown = new ArrayList<>();
      for (String name : env.keySet()) {
        if (s.keyForEnv(name).isEmpty()) {
          unknown.add(name);
        }
      }
      assertTrue(
          unknown.isEmpty(),
          s.name()
              + ": environment variables that set no configuration key the service "
              + "knows (application.properties, @ConfigMapping "
              + s.mappingKeys()
              + "): "
              + unknown);
      List<String> missing =
          s.requiredKeysWithoutValue().stream()
              .filter(k -> !env.containsKey(ServiceFacts.toEnv(k)))
              .toList();
      assertTrue(
          missing.isEmpty(),
          s.name()
              + ": required configuration keys (no default, not set in "
              + "application.properties) that the Deployment does not set: "
              + missing);
      assertTrue(
          env.containsKey("KAFKA_BOOTSTRAP_SERVERS"), s.name() + ": no Kafka bootstrap servers");
    }
  }

  @Test
  void modelRepositoryClaimIsMountedAtTheSamePathEverywhere() {
    PersistentVolumeClaim pvc = manifests.named(PersistentVolumeClaim.class, "ppruning-models");
    assertTrue(
        pvc.getSpec().getAccessModes().contains("ReadWriteMany"),
        "shared by pods on several nodes");
    assertNotNull(pvc.getSpec().getResources().getRequests().get("storage"), "storage request");
    Set<String> mountPaths = new TreeSet<>();
    for (ServiceFacts s : services) {
      PodSpec pod =
          manifests
              .named(Deployment.class, "ppruning-" + s.name())
              .getSpec()
              .getTemplate()
              .getSpec();
      Volume v =
          pod.getVolumes().stream()
              .filter(
                  x ->
                      x.getPersistentVolumeClaim() != null
                          && "ppruning-models".equals(x.getPersistentVolumeClaim().getClaimName()))
              .findFirst()
              .orElseThrow(
                  () -> new AssertionError(s.name() + ": no volume from claim ppruning-models"));
      VolumeMount m =
          container(s).getVolumeMounts().stream()
              .filter(x -> x.getName().equals(v.getName()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new AssertionError(s.name() + ": volume " + v.getName() + " is not mounted"));
      mountPaths.add(m.getMountPath());
      for (VolumeMount vm : container(s).getVolumeMounts()) {
        assertTrue(
            pod.getVolumes().stream().anyMatch(x -> x.getName().equals(vm.getName())),
            s.name() + ": mount of undeclared volume " + vm.getName());
      }
    }
    assertEquals(
        Set.of("/models"),
        mountPaths,
        "the model repository's mount path (the images' /models volume)");
  }

  @Test
  void resourcesAreRequestedAndLimited() {
    for (ServiceFacts s : services) {
      var r = container(s).getResources();
      Quantity reqMem = r.getRequests().get("memory");
      Quantity limMem = r.getLimits().get("memory");
      assertNotNull(reqMem, s.name() + ": memory request");
      assertNotNull(limMem, s.name() + ": memory limit");
      assertNotNull(r.getRequests().get("cpu"), s.name() + ": cpu request");
      assertTrue(
          Quantity.getAmountInBytes(reqMem).compareTo(Quantity.getAmountInBytes(limMem)) <= 0,
          s.name() + ": memory request " + reqMem + " above limit " + limMem);
    }
  }

  @Test
  void everyTopicHasAKafkaTopicWithPartitionsAndRetention() {
    Map<String, GenericKubernetesResource> topics = manifests.kafkaTopics();
    assertEquals(
        new TreeSet<>(TopicNames.all()),
        topics.keySet(),
        "KafkaTopics vs org.ppruning.stream.Topics");
    for (var e : topics.entrySet()) {
      GenericKubernetesResource t = e.getValue();
      assertEquals("kafka.strimzi.io/v1beta2", t.getApiVersion(), e.getKey());
      assertNotNull(
          t.getMetadata().getLabels().get("strimzi.io/cluster"),
          e.getKey() + ": strimzi.io/cluster label");
      Object partitions = t.get("spec", "partitions");
      assertTrue(
          partitions instanceof Number n && n.intValue() >= 1,
          e.getKey() + ": partitions " + partitions);
      assertTrue(t.get("spec", "replicas") instanceof Number, e.getKey() + ": replicas");
      Object retention = t.get("spec", "config", "retention.ms");
      assertNotNull(retention, e.getKey() + ": retention.ms stated");
      Long.parseLong(retention.toString());
    }
  }

  @Test
  void replicasRespectTheTopicPartitioning() {
    Map<String, GenericKubernetesResource> topics = manifests.kafkaTopics();
    int samplePartitions =
        ((Number) topics.get(TopicNames.SAMPLES).get("spec", "partitions")).intValue();
    Deployment profiler = manifests.named(Deployment.class, "ppruning-profiler");
    assertTrue(
        profiler.getSpec().getReplicas() <= samplePartitions,
        "profiler replicas "
            + profiler.getSpec().getReplicas()
            + " > partitions of "
            + TopicNames.SAMPLES
            + " ("
            + samplePartitions
            + ")");
    for (String single : List.of("pruner", "finetuner")) {
      Deployment d = manifests.named(Deployment.class, "ppruning-" + single);
      assertEquals(
          1,
          d.getSpec().getReplicas(),
          single + ": one active replica per task (see the manifest)");
      assertEquals(
          "Recreate",
          d.getSpec().getStrategy().getType(),
          single + ": an update must not run an old and a new pod on the same tasks");
    }
  }

  @Test
  void configMapsReferencedExist() {
    for (ServiceFacts s : services) {
      for (EnvFromSource from : container(s).getEnvFrom()) {
        if (from.getConfigMapRef() != null) {
          manifests.named(ConfigMap.class, from.getConfigMapRef().getName());
        }
      }
    }
  }

  @Test
  void kustomizationListsEveryManifestAndEveryImage() {
    JsonNode k = Manifests.kustomization();
    Set<String> resources = new TreeSet<>();
    k.get("resources").forEach(r -> resources.add(r.asText()));
    assertEquals(
        manifests.byFile().keySet(),
        resources,
        "kustomization.yaml resources vs the files in deploy/k8s");
    Map<String, String> images = new LinkedHashMap<>();
    k.get("images").forEach(i -> images.put(i.get("name").asText(), i.get("newTag").asText()));
    Map<String, String> expected = new LinkedHashMap<>();
    for (ServiceFacts s : services) {
      expected.put(s.images().repository() + "/" + s.name(), s.images().tag());
    }
    assertEquals(expected, images, "kustomization.yaml images vs the images profile");
  }

  @Test
  void everyObjectHasANameAndAKnownKind() {
    for (HasMetadata o : manifests.all()) {
      assertNotNull(o.getMetadata().getName(), "object without a name: " + o);
      assertFalse(
          o instanceof GenericKubernetesResource g && !"KafkaTopic".equals(g.getKind()),
          "unexpected kind "
              + o.getKind()
              + " (typo in apiVersion/kind?): "
              + o.getMetadata().getName());
    }
  }

  // --- helpers ------------------------------------------------------------------------------

  private static Container container(ServiceFacts s) {
    return manifests
        .named(Deployment.class, "ppruning-" + s.name())
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0);
  }

  /** The container's environment: env entries plus every key of the ConfigMaps it imports. */
  static Map<String, String> environment(Container c) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvFromSource from : c.getEnvFrom()) {
      if (from.getConfigMapRef() == null) {
        fail("envFrom other than configMapRef: " + from);
      }
      manifests
          .named(ConfigMap.class, from.getConfigMapRef().getName())
          .getData()
          .forEach((k, v) -> env.put((from.getPrefix() == null ? "" : from.getPrefix()) + k, v));
    }
    for (EnvVar e : c.getEnv()) {
      env.put(e.getName(), e.getValue());
    }
    return env;
  }

  private static Map<String, String> subset(Map<String, String> all, Map<String, String> keys) {
    Map<String, String> out = new LinkedHashMap<>();
    keys.keySet()
        .forEach(
            k -> {
              if (all.containsKey(k)) {
                out.put(k, all.get(k));
              }
            });
    return out;
  }
}
