package org.ppruning.deploy.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ppruning.deploy.images.ServiceFacts;
import org.ppruning.deploy.k8s.Manifests;

/**
 * deploy/k8s/monitoring: the ServiceMonitor makes Prometheus scrape every pod of deploy/k8s exactly
 * once, through a Service port that reaches the container's HTTP port, on the services' metrics
 * path; its kustomization holds it and the dashboard. A rule broken on purpose (the headless
 * serving Service labelled too: its pods twice) is reported.
 */
class MonitoringTest {
  private static final Path DIR = Manifests.dir().resolve("monitoring");

  @Test
  void serviceMonitorScrapesEveryPodOnceOnItsMetricsEndpoint() {
    GenericKubernetesResource sm = serviceMonitor();
    assertEquals("monitoring.coreos.com/v1", sm.getApiVersion());
    assertEquals("ServiceMonitor", sm.getKind());
    assertEquals(List.of(), problems(Manifests.load(), sm));
  }

  @Test
  void aServiceSelectingTheSamePodsTwiceIsReported() {
    Manifests m = Manifests.load();
    Service headless = m.named(Service.class, "ppruning-finetuner-serving-pods");
    headless.getMetadata().getLabels().put("ppruning/metrics", "true");
    List<String> problems = problems(m, serviceMonitor());
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(
        problems.get(0).startsWith("Deployment ppruning-finetuner-serving: its pods are scraped 2"),
        problems.get(0));
  }

  @Test
  void kustomizationHoldsTheServiceMonitorAndTheDashboard() throws IOException {
    JsonNode k =
        new ObjectMapper(new YAMLFactory()).readTree(DIR.resolve("kustomization.yaml").toFile());
    assertEquals("servicemonitor.yaml", k.path("resources").get(0).asText());
    JsonNode gen = k.path("configMapGenerator").get(0);
    assertEquals("ppruning-dashboard.json", gen.path("files").get(0).asText());
    assertEquals("1", gen.path("options").path("labels").path("grafana_dashboard").asText());
    assertTrue(Files.isRegularFile(DIR.resolve("ppruning-dashboard.json")));
  }

  /** What is wrong with how {@code sm} scrapes the Deployments of {@code m}; empty if nothing. */
  static List<String> problems(Manifests m, GenericKubernetesResource sm) {
    @SuppressWarnings("unchecked")
    Map<String, String> selector = (Map<String, String>) sm.get("spec", "selector", "matchLabels");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> endpoints = (List<Map<String, Object>>) sm.get("spec", "endpoints");
    List<String> out = new ArrayList<>();
    if (endpoints == null || endpoints.size() != 1) {
      out.add("ServiceMonitor " + sm.getMetadata().getName() + ": expected one endpoint");
      return out;
    }
    String portName = (String) endpoints.get(0).get("port");
    String path = (String) endpoints.get(0).get("path");
    List<Service> scraped =
        m.ofType(Service.class).stream()
            .filter(s -> subset(selector, s.getMetadata().getLabels()))
            .toList();
    for (ServiceFacts f : ServiceFacts.all()) {
      String metrics = metricsPath(f);
      if (!metrics.equals(path)) {
        out.add("endpoint path " + path + ", " + f.name() + " serves metrics at " + metrics);
      }
      for (Deployment d : m.ofType(Deployment.class)) {
        Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        if (!f.image().equals(c.getImage())) {
          continue;
        }
        Map<String, String> pods = d.getSpec().getTemplate().getMetadata().getLabels();
        List<Service> via =
            scraped.stream().filter(s -> subset(s.getSpec().getSelector(), pods)).toList();
        if (via.size() != 1) {
          out.add(
              "Deployment "
                  + d.getMetadata().getName()
                  + ": its pods are scraped "
                  + via.size()
                  + " times, through "
                  + via.stream().map(s -> s.getMetadata().getName()).toList());
        }
        for (Service s : via) {
          int target = targetPort(s, portName, c);
          if (target != f.httpPort()) {
            out.add(
                "Service "
                    + s.getMetadata().getName()
                    + ": port '"
                    + portName
                    + "' reaches container port "
                    + target
                    + ", "
                    + f.name()
                    + " serves HTTP on "
                    + f.httpPort());
          }
        }
      }
    }
    return out;
  }

  /** The container port a Service's named port reaches; -1 if it has no such port. */
  private static int targetPort(Service s, String name, Container c) {
    for (ServicePort p : s.getSpec().getPorts()) {
      if (name.equals(p.getName())) {
        if (p.getTargetPort().getIntVal() != null) {
          return p.getTargetPort().getIntVal();
        }
        return c.getPorts().stream()
            .filter(cp -> p.getTargetPort().getStrVal().equals(cp.getName()))
            .mapToInt(cp -> cp.getContainerPort())
            .findFirst()
            .orElse(-1);
      }
    }
    return -1;
  }

  /** Quarkus' Prometheus path: non-application root + {@code metrics} (unless configured). */
  private static String metricsPath(ServiceFacts f) {
    String root = f.properties().getOrDefault("quarkus.http.non-application-root-path", "q");
    String path =
        f.properties().getOrDefault("quarkus.micrometer.export.prometheus.path", "metrics");
    return path.startsWith("/") ? path : "/" + root.replaceAll("^/+|/+$", "") + "/" + path;
  }

  private static boolean subset(Map<String, String> selector, Map<String, String> labels) {
    return selector != null
        && !selector.isEmpty()
        && labels != null
        && labels.entrySet().containsAll(selector.entrySet());
  }

  private static GenericKubernetesResource serviceMonitor() {
    try (InputStream in = Files.newInputStream(DIR.resolve("servicemonitor.yaml"))) {
      return (GenericKubernetesResource) new KubernetesSerialization().unmarshal(in);
    } catch (IOException e) {
      throw new IllegalStateException(DIR + "/servicemonitor.yaml: " + e, e);
    }
  }
}
