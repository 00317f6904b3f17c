package org.ppruning.profiler;

import io.smallrye.config.ConfigMapping;
import java.nio.file.Path;

/** Settings of the profiler service, read from {@code ppruning.profiler.*}. */
@ConfigMapping(prefix = "ppruning.profiler")
public interface ProfilerConfig {

    /** Directory for head and neuron profiles; created if missing, must be writable for readiness. */
    Path workDir();
}
