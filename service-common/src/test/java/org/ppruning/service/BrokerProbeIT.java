package org.ppruning.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The probe against the build's real test broker, and against a port nothing listens on. */
class BrokerProbeIT {
  private static final Duration INTERVAL = Duration.ofSeconds(1);

  private static BrokerProbe.State await(BrokerProbe p, Predicate<BrokerProbe.State> done)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!done.test(p.state()) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    return p.state();
  }

  @Test
  void theTestBrokerIsUp() throws InterruptedException {
    String bootstrap = System.getProperty("kafka.bootstrap.servers");
    assertNotNull(bootstrap, "failsafe sets kafka.bootstrap.servers to the test broker");
    BrokerProbe p =
        new BrokerProbe("probe-up", Map.of("bootstrap.servers", bootstrap), bootstrap, INTERVAL);
    assertFalse(p.state().up(), "nothing is known before the first probe");
    long t0 = System.nanoTime();
    try (p) {
      p.start();
      BrokerProbe.State s = await(p, BrokerProbe.State::up);
      assertTrue(s.up(), s.error());
      assertNull(s.error());
      System.out.printf("UP after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }
    assertFalse(p.running(), "the probe thread ends with close()");
  }

  @Test
  void aClosedPortIsDownAndNamed() throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // free again once closed: nothing listens there
    }
    String bootstrap = "127.0.0.1:" + port;
    long t0 = System.nanoTime();
    BrokerProbe p =
        new BrokerProbe("probe-down", Map.of("bootstrap.servers", bootstrap), bootstrap, INTERVAL);
    try (p) {
      p.start();
      BrokerProbe.State s = await(p, st -> st.error() != null && st.error().contains("answer"));
      assertFalse(s.up());
      assertTrue(
          s.error()
              .startsWith(
                  "cannot reach the Kafka broker at kafka.bootstrap.servers=" + bootstrap + ":"),
          s.error());
      System.out.printf("DOWN after %d ms: %s%n", (System.nanoTime() - t0) / 1_000_000, s.error());
    }
    long closed = System.nanoTime();
    assertFalse(p.running(), "the probe thread ends with close()");
    assertTrue(System.nanoTime() - closed < Duration.ofSeconds(1).toNanos());
  }

  @Test
  void itIsUpAgainWithinAnIntervalOnceTheBrokerAnswers() throws Exception {
    // A TCP relay that refuses until it is pointed at the real broker: an outage and its end.
    String real = System.getProperty("kafka.bootstrap.servers");
    try (TcpRelay relay = new TcpRelay(real)) {
      String bootstrap = "127.0.0.1:" + relay.port();
      Map<String, Object> admin = Map.of("bootstrap.servers", bootstrap);
      try (BrokerProbe p = new BrokerProbe("probe-back", admin, bootstrap, INTERVAL).start()) {
        BrokerProbe.State down = await(p, st -> st.error() != null && !st.error().contains("not"));
        assertFalse(down.up(), down.toString());
        relay.open();
        long t0 = System.nanoTime();
        BrokerProbe.State up = await(p, BrokerProbe.State::up);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(up.up(), up.error());
        assertTrue(ms < 10_000, "UP " + ms + " ms after the broker answered");
        System.out.printf("UP again %d ms after the broker answered%n", ms);
      }
    }
  }

  @Test
  void aTooShortIntervalIsRefused() {
    var e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class,
            () -> new BrokerProbe("x", Map.of(), "b:1", Duration.ofMillis(5)));
    assertEquals("the broker probe interval must be >= 100 ms, got PT0.005S", e.getMessage());
  }
}
