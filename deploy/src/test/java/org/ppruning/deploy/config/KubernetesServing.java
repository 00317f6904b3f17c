package org.ppruning.deploy.config;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategy;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.ppruning.deploy.images.ServiceFacts;
import org.ppruning.deploy.k8s.Manifests;

/**
 * The Kubernetes side of {@link ServingReplicas}: the finetuner Deployments (by image) split into
 * one training Deployment ({@code replicas: 1}, {@code Recreate}: one writer of the repository, one
 * consumer group member per task, never an old and a new pod training side by side) and
 * serving-only ones, each of which
 *
 * <ul>
 *   <li>reads the training one's repository on the same claim and folder ({@link
 *       ServingReplicas#split}), from a ReadWriteMany claim mounted read-only (the training one is
 *       the repository's one writer);
 *   <li>rolls with {@code RollingUpdate}, {@code maxUnavailable: 0} and a surge, and is ready on
 *       the service's readiness endpoint, so an update never lowers the ready replicas;
 *   <li>is the target of exactly one {@code autoscaling/v2} HorizontalPodAutoscaler on CPU
 *       utilization with {@code minReplicas >= 2} and {@code maxReplicas > minReplicas}, requests
 *       CPU (what utilization is relative to) and leaves {@code replicas} unset (the autoscaler
 *       owns it);
 *   <li>is selected by a Service exposing the finetuner's HTTP and gRPC ports that does not select
 *       the training pod (clients reach the replicas that roll one by one and scale, not the one
 *       that trains and is recreated).
 * </ul>
 *
 * No two Deployments' selectors select each other's pods.
 */
public final class KubernetesServing {

  private KubernetesServing() {}

  /** The problems found, each naming the object and what is wrong; empty if none. */
  public static List<String> problems(Manifests m, ServiceFacts finetuner) {
    List<Deployment> deployments =
        m.ofType(Deployment.class).stream()
            .filter(d -> finetuner.image().equals(container(d).getImage()))
            .toList();
    List<ServiceRuntime> runtimes =
        deployments.stream()
            .map(d -> ServiceRuntime.fromKubernetes(m, d, finetuner.name(), finetuner.properties()))
            .toList();
    List<String> out =
        new ArrayList<>(
            ServingReplicas.split(
                runtimes, "Deployment", "serving stops during every update and cannot scale out"));
    List<Deployment> training = new ArrayList<>();
    for (int i = 0; i < deployments.size(); i++) {
      if (ServingReplicas.trains(runtimes.get(i))) {
        training.add(deployments.get(i));
        training(out, m, deployments.get(i));
      }
    }
    for (int i = 0; i < deployments.size(); i++) {
      if (!ServingReplicas.trains(runtimes.get(i))) {
        serving(out, m, finetuner, deployments.get(i), runtimes.get(i), training);
      }
    }
    for (Deployment a : m.ofType(Deployment.class)) {
      for (Deployment b : m.ofType(Deployment.class)) {
        if (a != b && selects(a.getSpec().getSelector().getMatchLabels(), podLabels(b))) {
          out.add(name(a) + "'s selector selects the pods of " + name(b));
        }
      }
    }
    return out;
  }

  private static void training(List<String> out, Manifests m, Deployment d) {
    Integer replicas = d.getSpec().getReplicas();
    if (replicas != null && replicas != 1) {
      out.add(name(d) + " trains with replicas " + replicas + ": one per task (finetuner.yaml)");
    }
    String type = d.getSpec().getStrategy() == null ? null : d.getSpec().getStrategy().getType();
    if (!"Recreate".equals(type)) {
      out.add(
          name(d)
              + " trains with strategy "
              + type
              + ", not Recreate: an update would run an old and a new pod training one task");
    }
    autoscalers(m, d).forEach(h -> out.add(name(h) + " scales " + name(d) + ", which trains"));
  }

  private static void serving(
      List<String> out,
      Manifests m,
      ServiceFacts f,
      Deployment d,
      ServiceRuntime r,
      List<Deployment> training) {
    DeploymentStrategy s = d.getSpec().getStrategy();
    if (s == null || !"RollingUpdate".equals(s.getType()) || s.getRollingUpdate() == null) {
      out.add(name(d) + ": strategy is not an explicit RollingUpdate (maxUnavailable 0)");
    } else {
      if (!zero(s.getRollingUpdate().getMaxUnavailable())) {
        out.add(
            name(d)
                + ": maxUnavailable "
                + text(s.getRollingUpdate().getMaxUnavailable())
                + ", not 0: an update stops serving replicas before new ones are ready");
      }
      if (s.getRollingUpdate().getMaxSurge() == null || zero(s.getRollingUpdate().getMaxSurge())) {
        out.add(name(d) + ": maxSurge 0 with maxUnavailable 0: an update cannot start a pod");
      }
    }
    Container c = container(d);
    Probe ready = c.getReadinessProbe();
    String path = f.healthRoot() + "/ready";
    if (ready == null
        || ready.getHttpGet() == null
        || !path.equals(ready.getHttpGet().getPath())
        || port(c, ready.getHttpGet().getPort()) != f.httpPort()) {
      out.add(name(d) + ": no readiness probe on " + path + " at port " + f.httpPort());
    }
    if (c.getResources() == null || c.getResources().getRequests().get("cpu") == null) {
      out.add(name(d) + ": no CPU request, which CPU utilization is relative to");
    }
    if (d.getSpec().getReplicas() != null) {
      out.add(
          name(d)
              + " sets replicas "
              + d.getSpec().getReplicas()
              + ": every apply resets what its autoscaler decided");
    }
    claim(out, m, d, r);
    autoscaler(out, autoscalers(m, d), d);
    services(out, m, f, d, training);
  }

  private static void claim(List<String> out, Manifests m, Deployment d, ServiceRuntime r) {
    String volume = r.locate(r.config().value(ServingReplicas.REPOSITORY)).volume();
    String prefix = "persistentVolumeClaim ";
    if (!volume.startsWith(prefix)) {
      return; // reported by ServingReplicas.split: not the training finetuner's claim
    }
    String claim = volume.substring(prefix.length());
    PersistentVolumeClaim pvc = m.named(PersistentVolumeClaim.class, claim);
    if (!pvc.getSpec().getAccessModes().contains("ReadWriteMany")) {
      out.add(
          "PersistentVolumeClaim "
              + claim
              + " is "
              + pvc.getSpec().getAccessModes()
              + ", not ReadWriteMany: the serving replicas of "
              + name(d)
              + " on other nodes than the training finetuner cannot mount it");
    }
    d.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getPersistentVolumeClaim() != null)
        .filter(v -> claim.equals(v.getPersistentVolumeClaim().getClaimName()))
        .filter(v -> !Boolean.TRUE.equals(v.getPersistentVolumeClaim().getReadOnly()))
        .forEach(
            v ->
                container(d).getVolumeMounts().stream()
                    .filter(vm -> vm.getName().equals(v.getName()))
                    .filter(vm -> !Boolean.TRUE.equals(vm.getReadOnly()))
                    .forEach(
                        vm ->
                            out.add(
                                name(d)
                                    + " mounts claim "
                                    + claim
                                    + " read-write at "
                                    + vm.getMountPath()
                                    + ": serving replicas only read the versions, the training"
                                    + " finetuner is their one writer (readOnly: true)")));
  }

  private static void autoscaler(
      List<String> out, List<HorizontalPodAutoscaler> hpas, Deployment d) {
    if (hpas.size() != 1) {
      out.add(
          (hpas.isEmpty() ? "no" : hpas.size())
              + " HorizontalPodAutoscaler (autoscaling/v2) targets "
              + name(d)
              + (hpas.isEmpty() ? "" : ": they fight over its replicas"));
      return;
    }
    HorizontalPodAutoscaler h = hpas.get(0);
    int min = h.getSpec().getMinReplicas() == null ? 1 : h.getSpec().getMinReplicas();
    int max = h.getSpec().getMaxReplicas();
    if (min < 2) {
      out.add(name(h) + ": minReplicas " + min + ": one pod's restart would stop serving");
    }
    if (max <= min) {
      out.add(name(h) + ": maxReplicas " + max + " <= minReplicas " + min + ": nothing to scale");
    }
    boolean cpu = false;
    for (MetricSpec ms : h.getSpec().getMetrics()) {
      if ("Resource".equals(ms.getType())
          && "cpu".equals(ms.getResource().getName())
          && "Utilization".equals(ms.getResource().getTarget().getType())) {
        Integer u = ms.getResource().getTarget().getAverageUtilization();
        cpu = u != null && u > 0 && u <= 100;
      }
    }
    if (!cpu) {
      out.add(name(h) + ": no CPU Utilization target between 1 and 100 %");
    }
  }

  private static void services(
      List<String> out, Manifests m, ServiceFacts f, Deployment d, List<Deployment> training) {
    List<Service> selecting =
        m.ofType(Service.class).stream()
            .filter(s -> selects(s.getSpec().getSelector(), podLabels(d)))
            .toList();
    if (selecting.isEmpty()) {
      out.add("no Service selects the pods of " + name(d) + ": clients have no address for them");
    }
    Container c = container(d);
    for (Service s : selecting) {
      for (Deployment t : training) {
        if (selects(s.getSpec().getSelector(), podLabels(t))) {
          out.add(
              name(s)
                  + " selects the serving pods of "
                  + name(d)
                  + " and the training pod of "
                  + name(t)
                  + ", which is recreated on every update and busy training");
        }
      }
      Map<String, Integer> expected = new TreeMap<>();
      expected.put("http", f.httpPort());
      f.grpcPort().ifPresent(p -> expected.put("grpc", p));
      Map<String, Integer> exposed = new TreeMap<>();
      s.getSpec().getPorts().forEach(p -> exposed.put(p.getName(), port(c, p.getTargetPort())));
      if (!exposed.equals(expected)) {
        out.add(
            name(s)
                + " exposes "
                + exposed
                + " of the pods of "
                + name(d)
                + " (by target port), the finetuner listens on "
                + expected);
      }
    }
  }

  private static List<HorizontalPodAutoscaler> autoscalers(Manifests m, Deployment d) {
    return m.ofType(HorizontalPodAutoscaler.class).stream()
        .filter(h -> "Deployment".equals(h.getSpec().getScaleTargetRef().getKind()))
        .filter(h -> "apps/v1".equals(h.getSpec().getScaleTargetRef().getApiVersion()))
        .filter(h -> d.getMetadata().getName().equals(h.getSpec().getScaleTargetRef().getName()))
        .toList();
  }

  /** The container port a probe's or Service's port names, -1 if none. */
  private static int port(Container c, IntOrString p) {
    if (p == null) {
      return -1;
    }
    if (p.getIntVal() != null) {
      return p.getIntVal();
    }
    return c.getPorts().stream()
        .filter(x -> p.getStrVal().equals(x.getName()))
        .mapToInt(x -> x.getContainerPort())
        .findFirst()
        .orElse(-1);
  }

  private static boolean zero(IntOrString v) {
    return v != null
        && (Objects.equals(v.getIntVal(), 0)
            || "0%".equals(v.getStrVal())
            || "0".equals(v.getStrVal()));
  }

  private static String text(IntOrString v) {
    return v == null ? "unset (25%)" : v.getIntVal() != null ? "" + v.getIntVal() : v.getStrVal();
  }

  private static boolean selects(Map<String, String> selector, Map<String, String> labels) {
    return selector != null
        && !selector.isEmpty()
        && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }

  private static Map<String, String> podLabels(Deployment d) {
    return d.getSpec().getTemplate().getMetadata().getLabels();
  }

  private static Container container(Deployment d) {
    return d.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  private static String name(HasMetadata o) {
    return o.getKind() + " " + o.getMetadata().getName();
  }
}
