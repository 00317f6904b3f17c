package org.ppruning.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntPredicate;

/**
 * One address in front of several gRPC servers, as a Kubernetes Service is: each new TCP connection
 * goes to the next <em>ready</em> backend, round-robin, and its bytes are copied both ways until
 * either side closes (HTTP/2 is not parsed: a connection stays on its backend for its life, as with
 * kube-proxy). A backend is ready while {@code ready} says so (the bench polls each one's {@code
 * /q/health/ready}, as the endpoints controller does) and its port accepts the connection; a
 * refused connect marks it not ready and the next one is tried, so that a {@code kill -9}'d backend
 * gets no new connections before the next poll. When a backend's side of a connection ends, the
 * client's side is closed too, and its calls in flight fail {@code UNAVAILABLE}.
 *
 * <pre>
 *   try (RoundRobinProxy p = RoundRobinProxy.start(List.of(9001, 9002), i -> ready(i))) {
 *     channel = forAddress("127.0.0.1", p.port()) ...
 *   }
 * </pre>
 */
public final class RoundRobinProxy implements AutoCloseable {
  private final ServerSocket server;
  private final List<Integer> backends;
  private final IntPredicate ready;
  private final AtomicIntegerArray up; // 1: ready
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicLongArray connections;
  private final AtomicInteger refused = new AtomicInteger();
  private final java.util.Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Thread poller;
  private volatile boolean closed;

  private RoundRobinProxy(ServerSocket server, List<Integer> backends, IntPredicate ready) {
    this.server = server;
    this.backends = List.copyOf(backends);
    this.ready = ready;
    this.up = new AtomicIntegerArray(backends.size());
    this.connections = new AtomicLongArray(backends.size());
    this.poller = daemon("proxy-readiness", this::poll);
  }

  /**
   * Listens on a free loopback port in front of {@code backendPorts} (loopback too).
   *
   * @param ready whether backend {@code i} (its index in {@code backendPorts}) is ready; polled
   *     every 200 ms
   */
  public static RoundRobinProxy start(List<Integer> backendPorts, IntPredicate ready)
      throws IOException {
    ServerSocket s = new ServerSocket();
    s.bind(new InetSocketAddress("127.0.0.1", 0));
    RoundRobinProxy p = new RoundRobinProxy(s, backendPorts, ready);
    for (int i = 0; i < p.up.length(); i++) {
      p.up.set(i, ready.test(i) ? 1 : 0);
    }
    p.poller.start();
    daemon("proxy-accept", p::accept).start();
    return p;
  }

  /** The port clients connect to. */
  public int port() {
    return server.getLocalPort();
  }

  /** Connections handed to each backend so far, by index. */
  public List<Long> connections() {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < connections.length(); i++) {
      out.add(connections.get(i));
    }
    return out;
  }

  /** Client connections closed at once because no backend was ready or accepted. */
  public int refused() {
    return refused.get();
  }

  private void poll() {
    while (!closed) {
      for (int i = 0; i < up.length(); i++) {
        up.set(i, ready.test(i) ? 1 : 0);
      }
      sleep(200);
    }
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      Socket backend = connectNext();
      if (backend == null) {
        refused.incrementAndGet();
        closeQuietly(client);
        continue;
      }
      open.add(client);
      open.add(backend);
      daemon("proxy-up", () -> pump(client, backend)).start();
      daemon("proxy-down", () -> pump(backend, client)).start();
    }
  }

  /** The next ready backend that accepts a connection, round-robin; null if none does. */
  private Socket connectNext() {
    int n = backends.size();
    int first = Math.floorMod(next.getAndIncrement(), n);
    for (int k = 0; k < n; k++) {
      int i = (first + k) % n;
      if (up.get(i) == 0) {
        continue;
      }
      Socket s = new Socket();
      try {
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress("127.0.0.1", backends.get(i)), 1000);
        connections.incrementAndGet(i);
        return s;
      } catch (IOException e) {
        up.set(i, 0); // refused: not ready until the next poll says otherwise
        closeQuietly(s);
      }
    }
    return null;
  }

  /** Copies {@code from} to {@code to} until either ends, then closes both. */
  private void pump(Socket from, Socket to) {
    byte[] buf = new byte[64 * 1024];
    try {
      from.setTcpNoDelay(true);
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // reset or closed by the other pump: close both below
    } finally {
      closeQuietly(from);
      closeQuietly(to);
      open.remove(from);
      open.remove(to);
    }
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly(server);
    open.forEach(RoundRobinProxy::closeQuietly);
  }

  private static Thread daemon(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      // already closed
    }
  }
}
