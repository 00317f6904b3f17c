package org.ppruning.service;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Each readiness check of the service as a gauge, {@code ppruning_health_ready{check}}: 1 while the
 * check is UP, 0 while it is DOWN or throws. What {@code /q/health/ready} answers, per check, for
 * dashboards and alerts (deploy/k8s/monitoring). Registered at start-up under the name each check
 * reports; a scrape runs the checks, which are cheap (the broker is probed in the background by
 * {@link KafkaReadiness}).
 */
@ApplicationScoped
public class ReadinessMetrics {
  private final Instance<HealthCheck> checks;
  private final MeterRegistry meters;

  ReadinessMetrics(@Readiness Instance<HealthCheck> checks, MeterRegistry meters) {
    this.checks = checks;
    this.meters = meters;
  }

  void onStart(@Observes StartupEvent e) {
    for (HealthCheck check : checks) {
      Gauge.builder("ppruning.health.ready", check, ReadinessMetrics::up)
          .tag("check", check.call().getName())
          .description("1 while this readiness check is UP, 0 while it is DOWN")
          .strongReference(true)
          .register(meters);
    }
  }

  private static double up(HealthCheck check) {
    try {
      return check.call().getStatus() == HealthCheckResponse.Status.UP ? 1 : 0;
    } catch (RuntimeException ex) {
      return 0;
    }
  }
}
