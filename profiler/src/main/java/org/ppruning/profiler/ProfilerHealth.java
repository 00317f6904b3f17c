package org.ppruning.profiler;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.ppruning.service.RestartLoop;

/** Liveness and readiness of the profiling loop, from its {@link RestartLoop} phase. */
@ApplicationScoped
public class ProfilerHealth {
  private final ProfilerService service;

  ProfilerHealth(ProfilerService service) {
    this.service = service;
  }

  /**
   * Ready once the models are loaded and the consumer is subscribed and polling; DOWN with the
   * problem while the loop starts again after a failure.
   */
  @Readiness
  HealthCheck ready() {
    return () -> describe("profiler-consumer", service.ready());
  }

  /** Alive unless the service gave up (a model that cannot be loaded, an invalid setting). */
  @Liveness
  HealthCheck live() {
    return () -> describe("profiler-loop", service.phase() != RestartLoop.Phase.FAILED);
  }

  private HealthCheckResponse describe(String name, boolean up) {
    var r = HealthCheckResponse.named(name).status(up).withData("phase", service.phase().name());
    String problem = service.problem();
    if (problem != null) {
      r.withData("error", problem);
    }
    if (!service.models().isEmpty()) {
      r.withData("models", service.models().toString());
    }
    return r.build();
  }
}
