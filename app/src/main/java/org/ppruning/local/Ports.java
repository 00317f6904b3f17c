package org.ppruning.local;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/** TCP port checks: is a port free to listen on, a free port for tests, does a host answer. */
public final class Ports {
  private Ports() {}

  /**
   * True if nothing listens on {@code port} on any address: binding the wildcard address fails when
   * any listener holds the port (Quarkus binds 0.0.0.0, the broker 127.0.0.1).
   */
  public static boolean isFree(int port) {
    checkRange(port, "port");
    try (ServerSocket s = new ServerSocket()) {
      // SO_REUSEADDR lets a port in TIME_WAIT (a service stopped a moment ago) count as free.
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Throws naming the port and what wanted it when something already listens there. */
  public static void requireFree(int port, String what, String hint) {
    if (!isFree(port)) {
      String holders = holders(port);
      throw new IllegalStateException(
          "port "
              + port
              + " ("
              + what
              + ") is already in use by another"
              + " process"
              + (holders.isEmpty() ? "" : " (" + holders + ")")
              + "; not starting anything"
              + (hint.isEmpty() ? "" : " (" + hint + ")"));
    }
  }

  private static final String[] TCP_STATES = {
    "?",
    "ESTABLISHED",
    "SYN_SENT",
    "SYN_RECV",
    "FIN_WAIT1",
    "FIN_WAIT2",
    "TIME_WAIT",
    "CLOSE",
    "CLOSE_WAIT",
    "LAST_ACK",
    "LISTEN",
    "CLOSING"
  };

  /**
   * The kernel's sockets with {@code port} as their local port, counted by state (from
   * /proc/net/tcp and tcp6, so Linux only; empty elsewhere), e.g. "sockets on it: LISTEN 1".
   */
  static String holders(int port) {
    Map<String, Integer> states = new TreeMap<>();
    for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
      try {
        for (String line : Files.readAllLines(Path.of(table))) {
          String[] f = line.trim().split("\\s+");
          if (f.length < 4 || !f[1].contains(":")) {
            continue;
          }
          String local = f[1];
          int p = Integer.parseInt(local.substring(local.lastIndexOf(':') + 1), 16);
          if (p == port) {
            int st = Integer.parseInt(f[3], 16);
            states.merge(st < TCP_STATES.length ? TCP_STATES[st] : f[3], 1, Integer::sum);
          }
        }
      } catch (IOException | RuntimeException e) {
        // not Linux, or a format this does not know: say nothing rather than guess
      }
    }
    if (states.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder("sockets on it:");
    states.forEach((st, n) -> b.append(' ').append(st).append(' ').append(n));
    return b.toString();
  }

  /** Waits until {@code port} is free or {@code timeout} passes; returns whether it is free. */
  public static boolean awaitFree(int port, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!isFree(port)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /** A port the kernel reports free right now (for tests: another process may take it later). */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("cannot find a free TCP port: " + e.getMessage(), e);
    }
  }

  /** True if a TCP connection to host:port opens within the timeout. */
  public static boolean answers(String host, int port, int timeoutMillis) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), timeoutMillis);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Rejects values outside 1..65535, naming the option. */
  public static int checkRange(int port, String what) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(what + " must be a TCP port in 1..65535, not " + port);
    }
    return port;
  }
}
