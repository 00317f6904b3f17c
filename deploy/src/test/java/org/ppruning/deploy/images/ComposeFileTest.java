package org.ppruning.deploy.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ppruning.deploy.k8s.Manifests;

/**
 * deploy/docker/compose.yaml parses, and every image, port, environment variable and volume it
 * names exists in the build: the images the images profile builds, the ports of each service's
 * application.properties, configuration keys the services know, declared named volumes; the topics
 * it creates are org.ppruning.stream.Topics with the partitions and retention of
 * deploy/k8s/topics.yaml.
 */
class ComposeFileTest {

  private static final Path FILE = ServiceFacts.root().resolve("deploy/docker/compose.yaml");
  private static JsonNode compose;
  private static List<ServiceFacts> services;

  @BeforeAll
  static void load() throws IOException {
    compose = new ObjectMapper(new YAMLFactory()).readTree(FILE.toFile());
    services = ServiceFacts.all();
  }

  @Test
  void everyServiceRunsItsImageWithItsPorts() {
    for (ServiceFacts s : services) {
      JsonNode svc = service(s.name());
      assertEquals(s.image(), svc.path("image").asText(), FILE + ": " + s.name() + " image");
      Set<Integer> containerPorts = new TreeSet<>();
      for (JsonNode p : svc.path("ports")) {
        String[] parts = p.asText().split(":");
        containerPorts.add(Integer.parseInt(parts[parts.length - 1].replace("/tcp", "")));
      }
      Set<Integer> expected = new TreeSet<>(Set.of(s.httpPort()));
      s.grpcPort().ifPresent(expected::add);
      assertEquals(
          expected,
          containerPorts,
          FILE + ": " + s.name() + " container ports vs application.properties");
    }
  }

  @Test
  void environmentSetsOnlyKnownKeysAndEveryRequiredOne() {
    for (ServiceFacts s : services) {
      Map<String, String> env = new LinkedHashMap<>();
      service(s.name())
          .path("environment")
          .fields()
          .forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
      List<String> unknown = env.keySet().stream().filter(n -> s.keyForEnv(n).isEmpty()).toList();
      assertTrue(
          unknown.isEmpty(),
          FILE
              + ": "
              + s.name()
              + " sets variables no configuration key of the service "
              + "matches: "
              + unknown);
      List<String> missing =
          s.requiredKeysWithoutValue().stream()
              .filter(k -> !env.containsKey(ServiceFacts.toEnv(k)))
              .toList();
      assertTrue(
          missing.isEmpty(), FILE + ": " + s.name() + " does not set required keys " + missing);
      String bootstrap = env.get("KAFKA_BOOTSTRAP_SERVERS");
      assertNotNull(bootstrap, s.name() + ": KAFKA_BOOTSTRAP_SERVERS");
      assertTrue(
          compose.path("services").has(bootstrap.split(":")[0]),
          s.name() + ": bootstrap host " + bootstrap + " is not a compose service");
    }
  }

  @Test
  void modelVolumeIsDeclaredAndMountedAtTheImagesVolume() {
    Set<String> declared = new TreeSet<>();
    compose.path("volumes").fieldNames().forEachRemaining(declared::add);
    compose
        .path("services")
        .fields()
        .forEachRemaining(
            e -> {
              for (JsonNode v : e.getValue().path("volumes")) {
                String source = v.asText().split(":")[0];
                if (!source.startsWith(".") && !source.startsWith("/")) {
                  assertTrue(
                      declared.contains(source),
                      FILE + ": " + e.getKey() + " mounts undeclared volume " + source);
                }
              }
            });
    for (ServiceFacts s : services) {
      List<String> mounts = new ArrayList<>();
      service(s.name()).path("volumes").forEach(v -> mounts.add(v.asText()));
      assertTrue(
          mounts.contains("models:/models"),
          FILE + ": " + s.name() + " must mount models:/models, has " + mounts);
    }
  }

  @Test
  void topicsMatchTheKubernetesTopicDefinitions() {
    StringBuilder script = new StringBuilder();
    service("topics").path("command").forEach(c -> script.append(c.asText()).append('\n'));
    Matcher m =
        Pattern.compile("--topic (\\S+) --partitions (\\d+) --config retention\\.ms=(-?\\d+)")
            .matcher(script);
    Map<String, List<String>> created = new TreeMap<>();
    while (m.find()) {
      created.put(m.group(1), List.of(m.group(2), m.group(3)));
    }
    Map<String, List<String>> expected = new TreeMap<>();
    for (Map.Entry<String, GenericKubernetesResource> e :
        Manifests.load().kafkaTopics().entrySet()) {
      expected.put(
          e.getKey(),
          List.of(
              String.valueOf((Object) e.getValue().get("spec", "partitions")),
              String.valueOf((Object) e.getValue().get("spec", "config", "retention.ms"))));
    }
    assertEquals(
        new TreeSet<>(TopicNames.all()), expected.keySet(), "deploy/k8s/topics.yaml vs Topics");
    assertEquals(
        expected,
        created,
        FILE + ": topics created (partitions, retention.ms) vs deploy/k8s/topics.yaml");
  }

  @Test
  void kafkaImageIsTheBrokerVersionTheTestsRun() throws IOException {
    // One broker version: the one deploy/kafka/kafka.sh runs for every integration and system test.
    Path brokerPom = ServiceFacts.root().resolve("deploy/kafka/broker-pom.xml");
    Matcher m =
        Pattern.compile("<kafka.version>([^<]+)</kafka.version>")
            .matcher(java.nio.file.Files.readString(brokerPom));
    assertTrue(m.find(), brokerPom + ": no <kafka.version>");
    for (String name : List.of("kafka", "topics")) {
      assertEquals(
          "apache/kafka:" + m.group(1),
          service(name).path("image").asText(),
          FILE + ": " + name + " image vs " + brokerPom);
    }
  }

  private static JsonNode service(String name) {
    JsonNode s = compose.path("services").path(name);
    assertTrue(s.isObject(), FILE + ": no service '" + name + "'");
    return s;
  }
}
