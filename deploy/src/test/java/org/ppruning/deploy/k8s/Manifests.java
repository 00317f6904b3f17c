package org.ppruning.deploy.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.ppruning.deploy.images.ServiceFacts;

/**
 * The Kubernetes manifests of deploy/k8s, parsed with fabric8's Kubernetes model (typed objects for
 * the built-in kinds; Strimzi's KafkaTopic as a generic resource).
 *
 * @param byFile the objects of each manifest file, by file name
 */
public record Manifests(Map<String, List<HasMetadata>> byFile) {

  public static Path dir() {
    return ServiceFacts.root().resolve("deploy/k8s");
  }

  public static Manifests load() {
    return load(dir());
  }

  /** The manifests of another folder laid out as deploy/k8s (e.g. a test fixture). */
  public static Manifests load(Path dir) {
    KubernetesSerialization serialization = new KubernetesSerialization();
    Map<String, List<HasMetadata>> out = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        if (f.getFileName().toString().equals("kustomization.yaml")) {
          continue;
        }
        List<HasMetadata> objects = new ArrayList<>();
        try (InputStream in = Files.newInputStream(f)) {
          Object parsed = serialization.unmarshal(in);
          if (parsed instanceof List<?> list) {
            list.forEach(o -> objects.add((HasMetadata) o));
          } else if (parsed instanceof HasMetadata h) {
            objects.add(h);
          } else {
            throw new IllegalStateException(f + ": not a Kubernetes object: " + parsed);
          }
        } catch (RuntimeException e) {
          throw new IllegalStateException(
              f + " does not parse as Kubernetes objects: " + e.getMessage(), e);
        }
        out.put(f.getFileName().toString(), objects);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + dir + ": " + e, e);
    }
    return new Manifests(out);
  }

  public static JsonNode kustomization() {
    Path f = dir().resolve("kustomization.yaml");
    try {
      return new ObjectMapper(new YAMLFactory()).readTree(f.toFile());
    } catch (IOException e) {
      throw new IllegalStateException(f + " does not parse: " + e, e);
    }
  }

  public List<HasMetadata> all() {
    return byFile.values().stream().flatMap(List::stream).toList();
  }

  public <T extends HasMetadata> List<T> ofType(Class<T> type) {
    return all().stream().filter(type::isInstance).map(type::cast).toList();
  }

  public <T extends HasMetadata> T named(Class<T> type, String name) {
    List<T> found =
        ofType(type).stream().filter(o -> name.equals(o.getMetadata().getName())).toList();
    if (found.size() != 1) {
      throw new AssertionError(
          "expected one "
              + type.getSimpleName()
              + " named "
              + name
              + " in "
              + dir()
              + ", found "
              + found.size());
    }
    return found.get(0);
  }

  /** Strimzi KafkaTopic objects by topic name (spec.topicName, else metadata.name). */
  public Map<String, GenericKubernetesResource> kafkaTopics() {
    Map<String, GenericKubernetesResource> out = new TreeMap<>();
    for (GenericKubernetesResource g : ofType(GenericKubernetesResource.class)) {
      if ("KafkaTopic".equals(g.getKind())) {
        Object topicName = g.get("spec", "topicName");
        String name = topicName != null ? topicName.toString() : g.getMetadata().getName();
        if (out.put(name, g) != null) {
          throw new AssertionError("topic " + name + " is defined twice in " + dir());
        }
      }
    }
    return out;
  }
}
