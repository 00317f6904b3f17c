package org.ppruning.service;

import java.nio.file.Path;

/**
 * What a service tells the shared checks about itself; each service produces exactly one.
 *
 * @param name short name: {@code profiler}, {@code pruner} or {@code finetuner}
 * @param workDir the service's work directory ({@code ppruning.<name>.work-dir})
 */
public record ServiceIdentity(String name, Path workDir) {}
