package org.ppruning.profiler;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** Liveness and readiness of the profiling loop. */
@ApplicationScoped
public class ProfilerHealth {
    private final ProfilerService service;

    ProfilerHealth(ProfilerService service) {
        this.service = service;
    }

    /** Ready once the models are loaded and the consumer is subscribed and polling. */
    @Readiness
    HealthCheck ready() {
        return () -> describe("profiler-consumer", service.ready());
    }

    /** Alive unless the service gave up (a model that cannot be loaded). */
    @Liveness
    HealthCheck live() {
        return () -> describe("profiler-loop", service.phase() != ProfilerService.Phase.FAILED);
    }

    private HealthCheckResponse describe(String name, boolean up) {
        var r = HealthCheckResponse.named(name).status(up)
                .withData("phase", service.phase().name());
        if (service.problem() != null) {
            r.withData("error", service.problem());
        }
        if (!service.models().isEmpty()) {
            r.withData("models", service.models().toString());
        }
        return r.build();
    }
}
