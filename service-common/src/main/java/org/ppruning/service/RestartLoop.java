package org.ppruning.service;

import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * A service's consumer loop on its own thread, started again after a failure: a broker that is
 * down, a rebalance, a failed commit. Only a {@link Fatal} failure (a setting or a model that can
 * never work) ends it. The phase and the last problem feed the service's readiness check.
 */
public final class RestartLoop {
  private static final Logger LOG = Logger.getLogger(RestartLoop.class);

  /** Where the loop is. */
  public enum Phase {
    STARTING,
    RUNNING,
    RESTARTING,
    FAILED,
    STOPPED
  }

  /** One run of the loop; returns when {@link #stopping()}, throws on a failure. */
  @FunctionalInterface
  public interface Body {
    void run(RestartLoop loop) throws Exception;
  }

  /** A failure that another attempt cannot fix (the message says what to change). */
  public static final class Fatal extends Exception {
    public Fatal(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final String name;
  private final Duration backoff;
  private final Body body;
  private final Runnable onRestart;
  private volatile Phase phase = Phase.STARTING;
  private volatile String problem;
  private volatile boolean stopping;
  private Thread thread;

  /**
   * @param name the thread's name, also in log lines
   * @param backoff the wait before the next attempt after a failure
   * @param body one attempt
   * @param onRestart called once per failure that is retried (a restart counter)
   */
  public RestartLoop(String name, Duration backoff, Body body, Runnable onRestart) {
    if (backoff.isNegative()) {
      throw new IllegalArgumentException(name + ": restart back-off must be >= 0, got " + backoff);
    }
    this.name = name;
    this.backoff = backoff;
    this.body = body;
    this.onRestart = onRestart;
  }

  /** Starts the loop's thread. */
  public synchronized void start() {
    thread = new Thread(this::loop, name);
    thread.start();
  }

  /**
   * Asks the loop to end and waits up to {@code wait} for it: a back-off in progress is cut short;
   * a run in progress ends when it sees {@link #stopping()}.
   */
  public void stop(Duration wait) throws InterruptedException {
    stopping = true;
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t == null) {
      return;
    }
    if (phase == Phase.RESTARTING) {
      t.interrupt();
    }
    t.join(wait.toMillis());
  }

  /** True once {@link #stop} was called: the body returns as soon as it can. */
  public boolean stopping() {
    return stopping;
  }

  /** The body calls this once it works (subscribed and polling): the phase becomes RUNNING. */
  public void running() {
    phase = Phase.RUNNING;
    problem = null;
  }

  public Phase phase() {
    return phase;
  }

  /** Why the loop is not running (the last failure), null when it runs. */
  public String problem() {
    return problem;
  }

  private void loop() {
    while (!stopping) {
      try {
        phase = Phase.STARTING;
        body.run(this);
        if (stopping) {
          break;
        }
        throw new IllegalStateException("the loop returned without being stopped");
      } catch (Fatal e) {
        problem = e.getMessage();
        phase = Phase.FAILED;
        LOG.errorf(e, "%s: giving up: %s", name, e.getMessage());
        return;
      } catch (InterruptedException e) {
        break;
      } catch (Exception e) {
        if (stopping) {
          break;
        }
        problem = e.toString();
        phase = Phase.RESTARTING;
        onRestart.run();
        LOG.errorf(e, "%s failed; starting again in %s", name, backoff);
        try {
          Thread.sleep(backoff.toMillis());
        } catch (InterruptedException ie) {
          break;
        }
      }
    }
    phase = Phase.STOPPED;
  }
}
