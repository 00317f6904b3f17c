package org.ppruning.finetuner;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.ppruning.service.RestartLoop;

/**
 * {@code finetuner-training}: the event poller's phase and last problem. Down only when it gave up
 * (FAILED): a broker outage (RESTARTING) must not take the served models out of traffic.
 */
@Readiness
@ApplicationScoped
public class TrainingReadiness implements HealthCheck {
  private final TrainingLoop training;

  TrainingReadiness(TrainingLoop training) {
    this.training = training;
  }

  @Override
  public HealthCheckResponse call() {
    var r = HealthCheckResponse.named("finetuner-training");
    RestartLoop events = training.events();
    if (events == null) {
      return r.withData("phase", "disabled").up().build();
    }
    r.withData("phase", events.phase().name()).withData("training", training.current());
    if (!training.lastSkipped().isEmpty()) {
      r.withData("last-skipped-job", training.lastSkipped());
    }
    if (events.problem() != null) {
      r.withData("problem", events.problem());
    }
    return r.status(events.phase() != RestartLoop.Phase.FAILED).build();
  }
}
