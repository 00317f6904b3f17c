package org.ppruning.finetuner;

import io.smallrye.config.ConfigMapping;
import java.nio.file.Path;

/** Settings of the finetuner service, read from {@code ppruning.finetuner.*}. */
@ConfigMapping(prefix = "ppruning.finetuner")
public interface FinetunerConfig {

    /** Directory for fine-tuned SavedModels; created if missing, must be writable for readiness. */
    Path workDir();
}
