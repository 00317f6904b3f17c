package org.ppruning.serve;

/**
 * A hold on one served version for the length of a request: the version is not closed while a lease
 * on it is open, even after a newer version took its place. Close it exactly when the request is
 * done (try-with-resources); closing twice is harmless.
 */
public final class Lease implements AutoCloseable {
  private final ServedVersion version;
  private boolean closed;

  Lease(ServedVersion version) {
    this.version = version;
  }

  /** The leased version. */
  public ServedVersion version() {
    if (closed) {
      throw new IllegalStateException("lease on " + version + " is closed");
    }
    return version;
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      version.release();
    }
  }
}
