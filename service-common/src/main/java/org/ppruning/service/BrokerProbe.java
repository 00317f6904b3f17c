package org.ppruning.service;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.jboss.logging.Logger;

/**
 * Asks the broker for its cluster description every {@code interval} on a daemon thread of its own,
 * with an admin client of the service's configuration, and keeps the last answer: {@link #state}
 * never blocks. A failure closes the admin client (the next attempt starts a fresh one), so the
 * state is UP again within one interval once the broker is back.
 */
public final class BrokerProbe implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(BrokerProbe.class);

  /**
   * The last result.
   *
   * @param up the broker answered the last probe
   * @param error why not (null when up)
   */
  public record State(boolean up, String error) {}

  private final Map<String, Object> adminConfig;
  private final String bootstrap;
  private final Duration interval;
  private final Thread thread;
  private volatile State state;
  private volatile boolean stopping;

  /**
   * @param name the thread's name
   * @param adminConfig the service's admin client configuration ({@link KafkaClients#adminConfig})
   * @param bootstrap {@code kafka.bootstrap.servers}, for the messages
   * @param interval time between probes, also the longest a probe waits for an answer
   */
  public BrokerProbe(
      String name, Map<String, Object> adminConfig, String bootstrap, Duration interval) {
    if (interval.toMillis() < 100) {
      throw new IllegalArgumentException(
          "the broker probe interval must be >= 100 ms, got " + interval);
    }
    this.adminConfig = new HashMap<>(adminConfig);
    // A probe waits at most one interval, connections included.
    int ms = (int) Math.min(Integer.MAX_VALUE, interval.toMillis());
    this.adminConfig.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
    this.adminConfig.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
    this.adminConfig.putIfAbsent(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
    this.bootstrap = bootstrap;
    this.interval = interval;
    this.state = new State(false, "not probed yet: connecting to " + where());
    this.thread = new Thread(this::loop, name);
    this.thread.setDaemon(true);
  }

  /** Starts probing. */
  public BrokerProbe start() {
    thread.start();
    return this;
  }

  /** The last result (the first one arrives within one interval of {@link #start}). */
  public State state() {
    return state;
  }

  /** Stops probing and waits for the thread (a probe in progress is interrupted). */
  @Override
  public void close() {
    stopping = true;
    thread.interrupt();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** True while the probe thread runs (for tests: no thread outlives {@link #close}). */
  public boolean running() {
    return thread.isAlive();
  }

  private String where() {
    return "the Kafka broker at kafka.bootstrap.servers=" + bootstrap;
  }

  private void loop() {
    Admin admin = null;
    try {
      while (!stopping) {
        try {
          if (admin == null) {
            admin = Admin.create(adminConfig);
          }
          admin
              .describeCluster(new DescribeClusterOptions().timeoutMs((int) interval.toMillis()))
              .clusterId()
              .get(interval.toMillis() + 2000, TimeUnit.MILLISECONDS);
          if (!state.up()) {
            LOG.infof("%s answers", where());
          }
          state = new State(true, null);
        } catch (InterruptedException e) {
          break;
        } catch (Exception | LinkageError e) {
          if (stopping) {
            break;
          }
          String error = BrokerProblem.describe(bootstrap, e);
          if (!error.equals(state.error())) {
            LOG.warn(error);
          }
          state = new State(false, error);
          admin = closed(admin);
        }
        Thread.sleep(interval.toMillis());
      }
    } catch (InterruptedException e) {
      // stopping
    } finally {
      closed(admin);
    }
  }

  private static Admin closed(Admin admin) {
    if (admin != null) {
      try {
        admin.close(Duration.ofSeconds(2));
      } catch (RuntimeException e) {
        LOG.debugf("closing the probe's admin client: %s", e);
      }
    }
    return null;
  }
}
