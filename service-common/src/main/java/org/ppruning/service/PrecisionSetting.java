package org.ppruning.service;

import org.jboss.logging.Logger;
import org.ppruning.graph.Precision;

/**
 * A service's precision key ({@code ppruning.finetuner.serving.precision}, {@code
 * ppruning.profiler.precision}): parsed and checked against this process's TensorFlow at start, so
 * that a wrong value stops the service with the key named instead of failing every model load.
 */
public final class PrecisionSetting {
  private static final Logger LOG = Logger.getLogger(PrecisionSetting.class);

  private PrecisionSetting() {}

  /**
   * The key's value as a {@link Precision}, logged with the key once the process accepts it.
   *
   * @throws IllegalArgumentException naming the key, the value and the allowed values
   * @throws IllegalStateException naming the key for bf16 where TensorFlow would skip the rewrite
   *     (oneDNN off in this process; {@link Precision#requireSupported})
   */
  public static Precision read(String key, String value) {
    Precision p = Precision.parse(value, key);
    p.requireSupported(key);
    LOG.infof("computing in %s (%s)", p.id(), key);
    return p;
  }
}
