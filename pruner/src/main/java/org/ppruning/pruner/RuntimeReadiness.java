package org.ppruning.pruner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.tensorflow.TensorFlow;

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
        var response = HealthCheckResponse.named("pruner-runtime");
        Path workDir = config.workDir().toAbsolutePath();
        response.withData("work-dir", workDir.toString());
        try {
            response.withData("tensorflow", TensorFlow.version());
        } catch (LinkageError e) { // UnsatisfiedLinkError: native jar missing or for another platform
            return response.down().withData("error", "TensorFlow runtime: " + e).build();
        }
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            return response.down().withData("error", "cannot create work dir: " + e).build();
        }
        if (!Files.isWritable(workDir)) {
            return response.down().withData("error", "work dir is not writable").build();
        }
        return response.up().build();
    }
}
