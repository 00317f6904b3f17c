package org.ppruning.pruner;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.ppruning.stream.PrunerEngine;

/**
 * Ready once the base model is loaded, the checkpoint restored and the consumer polling (or when
 * Kafka is switched off); DOWN with the problem while the consumer starts again after a failure.
 * Reports samples merged per task.
 */
@Readiness
public class PrunerReadiness implements HealthCheck {

  private final PrunerService service;

  PrunerReadiness(PrunerService service) {
    this.service = service;
  }

  @Override
  public HealthCheckResponse call() {
    String state = service.state();
    var r = HealthCheckResponse.named("pruner").withData("state", state);
    PrunerEngine e = service.engine();
    if (e != null) {
      for (String task : e.tasks()) {
        r.withData("samples." + task, e.samples(task));
      }
    }
    String problem = service.problem();
    if (problem != null) {
      r.withData("error", problem);
    }
    return (state.equals("running") || state.equals("disabled") ? r.up() : r.down()).build();
  }
}
