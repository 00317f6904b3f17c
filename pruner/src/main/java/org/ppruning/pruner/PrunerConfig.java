package org.ppruning.pruner;

import io.smallrye.config.ConfigMapping;
import java.nio.file.Path;

/** Settings of the pruner service, read from {@code ppruning.pruner.*}. */
@ConfigMapping(prefix = "ppruning.pruner")
public interface PrunerConfig {

    /** Directory for pruned SavedModels; created if missing, must be writable for readiness. */
    Path workDir();
}
