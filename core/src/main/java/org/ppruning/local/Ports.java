package org.ppruning.local;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** TCP port checks: is a port free to listen on, a free port for tests, does a host answer. */
public final class Ports {
  private Ports() {}

  /**
   * True if nothing listens on {@code port} on any address: binding the wildcard address fails
   * when any listener holds the port (Quarkus binds 0.0.0.0, the broker 127.0.0.1).
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
      throw new IllegalStateException("port " + port + " (" + what + ") is already in use by another"
          + " process; not starting anything" + (hint.isEmpty() ? "" : " (" + hint + ")"));
    }
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
