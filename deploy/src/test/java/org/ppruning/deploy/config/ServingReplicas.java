package org.ppruning.deploy.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The check behind {@code ServingReplicasTest}, for what the Kubernetes manifests ({@link
 * KubernetesServing}) and the compose file ({@link ComposeServing}) have in common: among the
 * finetuners a deployment runs (by image), exactly one trains ({@code
 * ppruning.finetuner.training.enabled}, default true, in its effective configuration) and at least
 * one only serves, and every serving-only one reads, as its {@code
 * ppruning.finetuner.serving.repository}, the very folder of the very volume the training one
 * writes its versions to: otherwise it never sees a new version.
 */
public final class ServingReplicas {

  /** Whether a finetuner trains (and so consumes model events and writes versions). */
  public static final String TRAINING = "ppruning.finetuner.training.enabled";

  /** Where a finetuner's versions are written (training) and read (serving). */
  public static final String REPOSITORY = "ppruning.finetuner.serving.repository";

  /** SmallRye Config's true values (its BooleanConverter); anything else is false. */
  private static final Set<String> TRUE = Set.of("true", "1", "yes", "y", "on");

  private ServingReplicas() {}

  /** Whether the finetuner trains: {@link #TRAINING}, true unless set otherwise. */
  public static boolean trains(ServiceRuntime finetuner) {
    return finetuner.config().raw(TRAINING).isEmpty()
        || TRUE.contains(finetuner.config().value(TRAINING).trim().toLowerCase(Locale.ROOT));
  }

  /** How {@link #TRAINING} came about, for messages. */
  public static String explainTraining(ServiceRuntime finetuner) {
    return finetuner.config().raw(TRAINING).isEmpty()
        ? TRAINING + " = true (its default)"
        : finetuner.config().explain(TRAINING);
  }

  /**
   * The problems of the split into one training finetuner and serving-only ones, common to both
   * deployments; empty if none.
   *
   * @param finetuners every finetuner of the deployment
   * @param unit "Deployment" or "compose service", for messages
   * @param why what a missing serving-only finetuner costs, for messages
   */
  public static List<String> split(List<ServiceRuntime> finetuners, String unit, String why) {
    List<String> out = new ArrayList<>();
    List<ServiceRuntime> training = finetuners.stream().filter(ServingReplicas::trains).toList();
    List<ServiceRuntime> serving = finetuners.stream().filter(f -> !trains(f)).toList();
    if (training.size() != 1) {
      out.add(
          "expected one training finetuner "
              + unit
              + " (one writer of the repository, one member of the consumer group per task),"
              + " found "
              + training.stream().map(ServiceRuntime::origin).sorted().toList());
    }
    if (serving.isEmpty()) {
      out.add(
          "no serving-only finetuner "
              + unit
              + " ("
              + TRAINING
              + "=false): every finetuner trains ("
              + String.join(
                  "; ",
                  finetuners.stream().map(f -> f.origin() + ": " + explainTraining(f)).toList())
              + "), so "
              + why);
    }
    if (training.size() == 1) {
      serving.forEach(s -> sameRepository(out, training.get(0), s));
    }
    return out;
  }

  /** The serving-only finetuners of {@code finetuners}. */
  public static List<ServiceRuntime> servingOnly(List<ServiceRuntime> finetuners) {
    return finetuners.stream().filter(f -> !trains(f)).toList();
  }

  /** The training finetuner of {@code finetuners}, if there is exactly one. */
  public static Optional<ServiceRuntime> training(List<ServiceRuntime> finetuners) {
    List<ServiceRuntime> t = finetuners.stream().filter(ServingReplicas::trains).toList();
    return t.size() == 1 ? Optional.of(t.get(0)) : Optional.empty();
  }

  private static void sameRepository(
      List<String> out, ServiceRuntime training, ServiceRuntime serving) {
    ServiceRuntime.Location written = training.locate(training.config().value(REPOSITORY));
    ServiceRuntime.Location read = serving.locate(serving.config().value(REPOSITORY));
    if (!written.persistent() || !read.equals(written)) {
      out.add(
          serving.origin()
              + " never sees a new version: it serves "
              + serving.config().explain(REPOSITORY)
              + ", which is "
              + read
              + ", and "
              + training.origin()
              + " writes its versions to "
              + training.config().explain(REPOSITORY)
              + ", which is "
              + written);
    }
  }
}
