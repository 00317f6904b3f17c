package org.ppruning.serve;

/**
 * One version of a served model as a status API reports it (TensorFlow Serving's {@code
 * ModelVersionStatus}): its number, its state and, for a version that ended in an error, why.
 *
 * @param error null unless the version was refused or failed to load
 */
public record VersionStatus(long version, State state, String error) {

  /** TensorFlow Serving's servable states, in their order. */
  public enum State {
    /** Being loaded and warmed up. */
    LOADING,
    /** Answering requests. */
    AVAILABLE,
    /** Replaced; finishing the requests that leased it. */
    UNLOADING,
    /** Unloaded, or ended by an error ({@link #error()}). */
    END
  }
}
