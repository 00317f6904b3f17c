package org.ppruning.pruner;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.ppruning.service.RuntimeCheck;

/**
 * Ready when the TensorFlow native runtime loads and the work directory is writable: the two
 * things every pruning job needs before it can start.
 */
@Readiness
public class RuntimeReadiness implements HealthCheck {

    private final PrunerConfig config;

    RuntimeReadiness(PrunerConfig config) {
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        RuntimeCheck check = RuntimeCheck.of(config.workDir());
        var response = HealthCheckResponse.named("pruner-runtime");
        check.data().forEach(response::withData);
        return (check.ready() ? response.up() : response.down().withData("error", check.problem()))
            .build();
    }
}
