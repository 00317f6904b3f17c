package org.ppruning.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class PortsTest {
  @Test
  void aListeningPortIsTakenOnAnyAddress() throws Exception {
    int port;
    // Bound to loopback only, as the broker binds: still taken for a service binding 0.0.0.0.
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      port = s.getLocalPort();
      assertFalse(Ports.isFree(port));
      assertTrue(Ports.answers("127.0.0.1", port, 1000));
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () -> Ports.requireFree(port, "pruner HTTP; --pruner-port", ""));
      // (answers() above left a connection in the backlog: CLOSE_WAIT besides the LISTEN.)
      assertTrue(
          e.getMessage()
              .startsWith(
                  "port "
                      + port
                      + " (pruner HTTP; --pruner-port) is already"
                      + " in use by another process (sockets on it: "),
          e.getMessage());
      assertTrue(e.getMessage().endsWith("LISTEN 1); not starting anything"), e.getMessage());
    }
    assertTrue(Ports.isFree(port), "closed again");
    assertFalse(Ports.answers("127.0.0.1", port, 500));
    Ports.requireFree(port, "x", "");
  }

  @Test
  void awaitFreeWaitsForAPortToBeReleasedAndGivesUpAfterItsTimeout() throws Exception {
    ServerSocket s = new ServerSocket(0);
    int port = s.getLocalPort();
    assertFalse(Ports.awaitFree(port, java.time.Duration.ofMillis(300)), "still listening");
    Thread closer =
        new Thread(
            () -> {
              try {
                Thread.sleep(300);
                s.close();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    closer.start();
    assertTrue(Ports.awaitFree(port, java.time.Duration.ofSeconds(30)));
    closer.join();
  }

  @Test
  void freePortIsFree() {
    int p = Ports.freePort();
    assertTrue(p > 0 && p < 65536);
    assertTrue(Ports.isFree(p));
  }

  @Test
  void rangeErrorsNameTheOption() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Ports.checkRange(0, "--grpc-port"));
    assertEquals("--grpc-port must be a TCP port in 1..65535, not 0", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Ports.checkRange(65536, "p"));
    assertEquals(65535, Ports.checkRange(65535, "p"));
  }
}
