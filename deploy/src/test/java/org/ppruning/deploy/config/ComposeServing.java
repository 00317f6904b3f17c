package org.ppruning.deploy.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.ppruning.deploy.images.ServiceFacts;

/**
 * The compose side of {@link ServingReplicas}: among the services running the finetuner's image,
 * one trains and at least one only serves, reading the training one's repository on the same named
 * volume ({@link ServingReplicas#split}); each serving-only one can be scaled ({@code docker
 * compose up --scale NAME=N}: no {@code container_name}, no fixed host port), exposes the
 * finetuner's HTTP and gRPC ports, mounts the volume holding the repository read-only (the training
 * one is its one writer) and does not wait for the broker ({@code depends_on} no service running a
 * Kafka image): it does not use Kafka and must start while the broker is down.
 */
public final class ComposeServing {

  private ComposeServing() {}

  /** The problems found, each naming the compose service and what is wrong; empty if none. */
  public static List<String> problems(JsonNode compose, ServiceFacts finetuner) {
    List<String> names = new ArrayList<>();
    compose
        .path("services")
        .fields()
        .forEachRemaining(
            e -> {
              if (finetuner.image().equals(e.getValue().path("image").asText())) {
                names.add(e.getKey());
              }
            });
    List<ServiceRuntime> runtimes =
        names.stream()
            .map(
                n ->
                    ServiceRuntime.fromCompose(
                        compose, n, finetuner.name(), finetuner.properties()))
            .toList();
    List<String> out =
        new ArrayList<>(
            ServingReplicas.split(
                runtimes,
                "compose service",
                "serving stops whenever it is recreated and cannot be scaled with --scale"));
    for (int i = 0; i < names.size(); i++) {
      if (!ServingReplicas.trains(runtimes.get(i))) {
        serving(out, compose, finetuner, names.get(i));
        readOnly(out, compose, names.get(i), runtimes.get(i));
      }
    }
    return out;
  }

  private static void serving(List<String> out, JsonNode compose, ServiceFacts f, String name) {
    JsonNode svc = compose.path("services").path(name);
    String origin = "compose service " + name;
    if (svc.has("container_name")) {
      out.add(origin + ": container_name " + svc.path("container_name").asText() + " cannot scale");
    }
    Set<Integer> container = new TreeSet<>();
    for (JsonNode p : svc.path("ports")) {
      String published;
      int target;
      if (p.isObject()) {
        published = p.path("published").asText("");
        target = p.path("target").asInt();
      } else {
        String[] parts = p.asText().replace("/tcp", "").split(":");
        published = parts.length > 1 ? parts[parts.length - 2] : "";
        target = Integer.parseInt(parts[parts.length - 1]);
      }
      container.add(target);
      if (!published.isEmpty() && !published.contains("-")) {
        out.add(
            origin
                + ": host port "
                + published
                + " for "
                + target
                + ": a second replica cannot publish it (--scale fails)");
      }
    }
    Set<Integer> expected = new TreeSet<>(Set.of(f.httpPort()));
    f.grpcPort().ifPresent(expected::add);
    if (!container.equals(expected)) {
      out.add(origin + ": exposes " + container + ", the finetuner listens on " + expected);
    }
    JsonNode deps = svc.path("depends_on");
    List<String> on = new ArrayList<>();
    if (deps.isArray()) {
      deps.forEach(d -> on.add(d.asText()));
    } else {
      deps.fieldNames().forEachRemaining(on::add);
    }
    for (String d : on) {
      if (compose.path("services").path(d).path("image").asText().contains("kafka")) {
        out.add(
            origin
                + ": depends_on "
                + d
                + " (Kafka): it does not use the broker and must start while the broker is down");
      }
    }
  }

  /** The volume entry the repository lies in must be read-only ({@code :ro} or read_only). */
  private static void readOnly(List<String> out, JsonNode compose, String name, ServiceRuntime r) {
    Path repo = Path.of(r.config().value(ServingReplicas.REPOSITORY)).normalize();
    if (!r.locate(repo.toString()).persistent()) {
      return; // reported by ServingReplicas.split: not on the training finetuner's volume
    }
    JsonNode best = null;
    int depth = -1;
    for (JsonNode v : compose.path("services").path(name).path("volumes")) {
      String[] parts = v.asText().split(":");
      Path target =
          Path.of(v.isObject() ? v.path("target").asText() : parts[parts.length > 1 ? 1 : 0]);
      if (repo.startsWith(target.normalize()) && target.getNameCount() > depth) {
        best = v;
        depth = target.getNameCount();
      }
    }
    if (best == null) {
      return; // reported by ServingReplicas.split: not on the training finetuner's volume
    }
    // Short syntax SOURCE:TARGET[:OPTIONS], OPTIONS comma-separated (ro, rw, z, ...).
    String[] parts = best.asText().split(":");
    boolean ro =
        best.isObject()
            ? best.path("read_only").asBoolean(false)
            : parts.length > 2 && List.of(parts[2].split(",")).contains("ro");
    if (!ro) {
      out.add(
          "compose service "
              + name
              + " mounts "
              + (best.isObject() ? best.path("source").asText() : best.asText())
              + " read-write: serving replicas only read the versions, the training finetuner is"
              + " their one writer (add :ro)");
    }
  }
}
