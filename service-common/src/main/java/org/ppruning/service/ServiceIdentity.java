package org.ppruning.service;

import java.nio.file.Path;

/**
 * What a service tells the shared checks about itself; each service produces exactly one.
 *
 * @param name short name: {@code profiler}, {@code pruner} or {@code finetuner}
 * @param workDir the service's work directory ({@code ppruning.<name>.work-dir})
 * @param kafka the service's Kafka settings when it runs Kafka clients (its broker is then probed
 *     by {@link KafkaReadiness}), null when it does not
 */
public record ServiceIdentity(String name, Path workDir, KafkaSettings kafka) {

  /** A service without Kafka clients. */
  public ServiceIdentity(String name, Path workDir) {
    this(name, workDir, null);
  }
}
