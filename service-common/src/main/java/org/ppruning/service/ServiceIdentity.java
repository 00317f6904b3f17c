package org.ppruning.service;

import java.nio.file.Path;

/**
 * What a service tells the shared checks about itself. Each service has exactly one bean that
 * implements it (its main service bean).
 */
public interface ServiceIdentity {

  /** Short name: {@code profiler}, {@code pruner} or {@code finetuner}. */
  String name();

  /** The service's work directory ({@code ppruning.<name>.work-dir}). */
  Path workDir();
}
