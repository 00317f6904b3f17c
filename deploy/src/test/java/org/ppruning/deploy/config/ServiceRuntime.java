package org.ppruning.deploy.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ppruning.deploy.k8s.Manifests;

/**
 * One deployed service as its container sees it: its effective configuration and its mounts.
 *
 * @param service profiler, pruner or finetuner
 * @param origin the Deployment or compose service it was read from, for messages
 * @param config the effective configuration (environment over application.properties)
 * @param mounts the container's mounts
 */
public record ServiceRuntime(
    String service, String origin, EffectiveConfig config, List<Mount> mounts) {

  /**
   * A mount of the container.
   *
   * @param path the mount path in the container
   * @param volume what is mounted, e.g. "persistentVolumeClaim ppruning-models", "emptyDir work",
   *     "named volume models"
   * @param subPath the folder of the volume mounted there ("" for its root)
   * @param persistent whether the data outlives the pod or container (a claim, a named volume or a
   *     host folder; not an emptyDir or an anonymous volume)
   */
  public record Mount(String path, String volume, String subPath, boolean persistent) {}

  /**
   * Where an absolute path of the container lands.
   *
   * @param volume the mount's volume, or "the container's own file system"
   * @param pathInVolume the path relative to the volume's root (the sub-path included)
   * @param persistent whether it outlives the pod or container
   */
  public record Location(String volume, String pathInVolume, boolean persistent) {
    @Override
    public String toString() {
      return volume
          + (pathInVolume.isEmpty() ? "" : " at " + pathInVolume)
          + (persistent ? "" : " (not persistent)");
    }
  }

  /** The location of an absolute path: the mount with the longest path containing it. */
  public Location locate(String absolutePath) {
    Path p = Path.of(absolutePath).normalize();
    if (!p.isAbsolute()) {
      throw new IllegalArgumentException(
          origin + ": " + absolutePath + " is relative (to the container's working directory)");
    }
    Optional<Mount> m =
        mounts.stream()
            .filter(x -> p.startsWith(Path.of(x.path()).normalize()))
            .max(Comparator.comparingInt(x -> Path.of(x.path()).normalize().getNameCount()));
    if (m.isEmpty()) {
      return new Location("the container's own file system", p.toString(), false);
    }
    Path rel = Path.of(m.get().path()).normalize().relativize(p);
    Path inVolume = m.get().subPath().isEmpty() ? rel : Path.of(m.get().subPath()).resolve(rel);
    return new Location(m.get().volume(), inVolume.normalize().toString(), m.get().persistent());
  }

  /** The service as Deployment {@code ppruning-SERVICE} of {@code manifests} runs it. */
  public static ServiceRuntime fromKubernetes(
      Manifests manifests, String service, Map<String, String> properties) {
    return fromKubernetes(
        manifests, manifests.named(Deployment.class, "ppruning-" + service), service, properties);
  }

  /** The service as {@code deployment} (one of {@code manifests}) runs it. */
  public static ServiceRuntime fromKubernetes(
      Manifests manifests, Deployment deployment, String service, Map<String, String> properties) {
    String origin = "Deployment " + deployment.getMetadata().getName();
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    if (pod.getContainers().size() != 1) {
      throw new IllegalArgumentException(origin + ": expected one container");
    }
    Container c = pod.getContainers().get(0);
    // Kubernetes: envFrom sources in order (a later one wins), then env (wins over envFrom).
    Map<String, Optional<String>> env = new LinkedHashMap<>();
    // A Secret's keys (envFrom secretRef) are not in the manifests: assumed to hold credentials,
    // not paths, they are left out.
    for (EnvFromSource from : c.getEnvFrom()) {
      String prefix = from.getPrefix() == null ? "" : from.getPrefix();
      if (from.getConfigMapRef() != null) {
        manifests
            .named(ConfigMap.class, from.getConfigMapRef().getName())
            .getData()
            .forEach((k, v) -> env.put(prefix + k, Optional.of(v)));
      }
    }
    for (EnvVar e : c.getEnv()) {
      if (e.getValue() != null && e.getValue().contains("$(")) {
        throw new IllegalArgumentException(
            origin
                + ": "
                + e.getName()
                + " = "
                + e.getValue()
                + " uses $(VAR) expansion, which this check does not model");
      }
      env.put(e.getName(), Optional.ofNullable(e.getValueFrom() == null ? e.getValue() : null));
    }
    Map<String, Volume> volumes = new LinkedHashMap<>();
    pod.getVolumes().forEach(v -> volumes.put(v.getName(), v));
    List<Mount> mounts = new ArrayList<>();
    for (VolumeMount vm : c.getVolumeMounts()) {
      Volume v = volumes.get(vm.getName());
      if (v == null) {
        throw new IllegalArgumentException(origin + ": mount of undeclared volume " + vm.getName());
      }
      String sub = vm.getSubPath() == null ? "" : vm.getSubPath();
      if (v.getPersistentVolumeClaim() != null) {
        String claim = v.getPersistentVolumeClaim().getClaimName();
        mounts.add(new Mount(vm.getMountPath(), "persistentVolumeClaim " + claim, sub, true));
      } else if (v.getHostPath() != null) {
        mounts.add(
            new Mount(vm.getMountPath(), "hostPath " + v.getHostPath().getPath(), sub, true));
      } else {
        String kind = v.getEmptyDir() != null ? "emptyDir" : "volume";
        mounts.add(new Mount(vm.getMountPath(), kind + " " + v.getName(), sub, false));
      }
    }
    return new ServiceRuntime(
        service, origin, new EffectiveConfig(env, properties, origin), List.copyOf(mounts));
  }

  /** The service as {@code services.SERVICE} of a parsed compose file runs it. */
  public static ServiceRuntime fromCompose(
      JsonNode compose, String service, Map<String, String> properties) {
    return fromCompose(compose, service, service, properties);
  }

  /**
   * The service as {@code services.NAME} of a parsed compose file runs it.
   *
   * @param name the compose service, e.g. finetuner-serving
   * @param service the service it runs, e.g. finetuner
   */
  public static ServiceRuntime fromCompose(
      JsonNode compose, String name, String service, Map<String, String> properties) {
    String origin = "compose service " + name;
    JsonNode svc = compose.path("services").path(name);
    if (!svc.isObject()) {
      throw new IllegalArgumentException("compose file: no service " + name);
    }
    if (svc.has("env_file")) {
      throw new IllegalArgumentException(origin + ": env_file is not modelled by this check");
    }
    Map<String, Optional<String>> env = new LinkedHashMap<>();
    JsonNode environment = svc.path("environment");
    if (environment.isArray()) {
      for (JsonNode e : environment) {
        String[] kv = e.asText().split("=", 2);
        // "NAME" alone passes the host's variable through: its value is not in the file.
        env.put(kv[0], kv.length == 2 ? Optional.of(kv[1]) : Optional.empty());
      }
    } else {
      environment
          .fields()
          .forEachRemaining(
              e ->
                  env.put(
                      e.getKey(),
                      e.getValue().isNull()
                          ? Optional.empty()
                          : Optional.of(e.getValue().asText())));
    }
    List<Mount> mounts = new ArrayList<>();
    for (JsonNode v : svc.path("volumes")) {
      String source;
      String target;
      if (v.isObject()) {
        source = "tmpfs".equals(v.path("type").asText()) ? "" : v.path("source").asText("");
        target = v.path("target").asText();
      } else {
        String[] parts = v.asText().split(":");
        source = parts.length > 1 ? parts[0] : "";
        target = parts.length > 1 ? parts[1] : parts[0];
      }
      if (source.isEmpty()) {
        mounts.add(new Mount(target, "anonymous volume", "", false));
      } else if (source.startsWith("/") || source.startsWith(".") || source.startsWith("~")) {
        mounts.add(new Mount(target, "host folder " + source, "", true));
      } else if (compose.path("volumes").has(source)) {
        mounts.add(new Mount(target, "named volume " + source, "", true));
      } else {
        throw new IllegalArgumentException(origin + ": mounts undeclared volume " + source);
      }
    }
    return new ServiceRuntime(
        service, origin, new EffectiveConfig(env, properties, origin), List.copyOf(mounts));
  }
}
