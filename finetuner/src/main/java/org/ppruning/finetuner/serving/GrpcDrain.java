package org.ppruning.finetuner.serving;

import io.grpc.Server;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Verticle;
import io.vertx.core.Vertx;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;
import org.ppruning.finetuner.FinetunerConfig;

/**
 * Stops the gRPC server first when the process is asked to stop (SIGTERM), while the beans still
 * exist, in an order that fails no call.
 *
 * <ol>
 *   <li>grpc-java's graceful shutdown of the server itself: it stops listening, sends GOAWAY on
 *       every connection (clients open a new one, e.g. to another replica; streams the server did
 *       not take are refused, which clients retry) and lets the calls it took finish. Then wait
 *       until it has terminated (every call finished, every connection closed).
 *   <li>Only then undeploy Quarkus' gRPC server verticle. Undeploying it first is what Quarkus
 *       does, and it loses calls: {@code io.vertx.grpc.VertxServer} removes the verticle's Vert.x
 *       context from the executor grpc-java runs calls on before it shuts the server down, so a
 *       stream arriving in between fails ({@code IndexOutOfBoundsException}) and is reset {@code
 *       INTERNAL}.
 *   <li>Wait until no model call runs or waits in the {@link ServingGate} (REST calls too).
 * </ol>
 *
 * <p>Quarkus itself stops its separate gRPC server only after the bean container is gone
 * (quarkus#47062): calls in between failed UNKNOWN ("ArC container not initialized").
 */
@ApplicationScoped
class GrpcDrain {
  private static final Logger LOG = Logger.getLogger(GrpcDrain.class);

  /** The gate must have been idle this long: calls between the transport and the gate finish. */
  private static final long SETTLE_MILLIS = 100;

  /** Undeploying a terminated server is quick; it gets this long even after a drain timeout. */
  private static final long UNDEPLOY_NANOS = 5_000_000_000L;

  private final Vertx vertx;
  private final FinetunerConfig config;
  private final ServingGate gate;

  GrpcDrain(Vertx vertx, FinetunerConfig config, ServingGate gate) {
    this.vertx = vertx;
    this.config = config;
    this.gate = gate;
  }

  void drain(@Observes @Priority(1) ShutdownEvent ev) {
    long start = System.nanoTime();
    long timeoutMillis = config.serving().drainTimeout().toMillis();
    long deadline = start + timeoutMillis * 1_000_000;
    List<QuarkusGrpcServers.Found> found = QuarkusGrpcServers.find(vertx);
    if (found.isEmpty()) {
      return;
    }
    List<Server> servers = rawServers(found);
    servers.forEach(Server::shutdown);
    for (Server s : servers) {
      awaitTermination(s, deadline, timeoutMillis);
    }
    for (QuarkusGrpcServers.Found f : found) {
      undeploy(f.deploymentId(), deadline);
    }
    awaitIdleGate(deadline);
    LOG.infof(
        "gRPC server stopped and its calls finished (%d verticles, %d ms)",
        found.size(), (System.nanoTime() - start) / 1_000_000);
  }

  private static List<Server> rawServers(List<QuarkusGrpcServers.Found> found) {
    List<Server> out = new ArrayList<>();
    for (QuarkusGrpcServers.Found f : found) {
      for (Verticle v : f.verticles()) {
        try {
          QuarkusGrpcServers.rawServer(v).filter(s -> !out.contains(s)).ifPresent(out::add);
        } catch (IllegalStateException e) {
          LOG.warnf(
              "%s; stopping the gRPC server by undeploying its verticle only (a call arriving"
                  + " meanwhile can fail INTERNAL)",
              e.getMessage());
        }
      }
    }
    return out;
  }

  private static void awaitTermination(Server s, long deadlineNanos, long timeoutMillis) {
    try {
      long left = Math.max(0, deadlineNanos - System.nanoTime());
      if (!s.awaitTermination(left, TimeUnit.NANOSECONDS)) {
        LOG.warnf(
            "gRPC calls still running after ppruning.finetuner.serving.drain-timeout (%d ms);"
                + " stopping anyway",
            timeoutMillis);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void undeploy(String id, long deadlineNanos) {
    try {
      vertx
          .undeploy(id)
          .toCompletionStage()
          .toCompletableFuture()
          .get(Math.max(UNDEPLOY_NANOS, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      LOG.warnf("undeploying the gRPC server verticle %s timed out", id);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warnf("stopping the gRPC server before the beans failed: %s", e.toString());
    }
  }

  /** Waits until no model call runs or waits for SETTLE_MILLIS, or until the deadline. */
  private void awaitIdleGate(long deadlineNanos) {
    long idleSince = -1;
    while (System.nanoTime() < deadlineNanos) {
      long now = System.nanoTime();
      if (gate.gate().running() + gate.gate().waiting() > 0) {
        idleSince = -1;
      } else if (idleSince < 0) {
        idleSince = now;
      } else if (now - idleSince >= SETTLE_MILLIS * 1_000_000) {
        return;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    LOG.warnf(
        "model calls still running after ppruning.finetuner.serving.drain-timeout (%d running, %d"
            + " waiting); stopping anyway",
        gate.gate().running(), gate.gate().waiting());
  }
}
