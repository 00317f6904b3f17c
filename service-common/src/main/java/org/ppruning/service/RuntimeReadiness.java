package org.ppruning.service;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when the TensorFlow native runtime loads and the work directory is writable: the two things
 * every job of every service needs before it can start ({@code <name>-runtime}).
 */
@Readiness
@ApplicationScoped
public class RuntimeReadiness implements HealthCheck {

  private final ServiceIdentity service;

  RuntimeReadiness(ServiceIdentity service) {
    this.service = service;
  }

  @Override
  public HealthCheckResponse call() {
    RuntimeCheck check = RuntimeCheck.of(service.workDir());
    var response = HealthCheckResponse.named(service.name() + "-runtime");
    check.data().forEach(response::withData);
    return (check.ready() ? response.up() : response.down().withData("error", check.problem()))
        .build();
  }
}
