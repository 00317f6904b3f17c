package org.ppruning.finetuner.serving;

import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Verticle;
import io.vertx.core.Vertx;
import io.vertx.core.impl.Deployment;
import io.vertx.core.impl.VertxInternal;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;
import org.ppruning.finetuner.FinetunerConfig;

/**
 * Stops the gRPC server first when the process is asked to stop (SIGTERM), while the beans still
 * exist. Quarkus stops it only after the bean container is gone (quarkus#47062), so calls that
 * arrived in between failed with UNKNOWN ("ArC container not initialized"): a rolling update lost
 * requests. Stopping it here is grpc-java's graceful shutdown: GOAWAY to every client (which then
 * reconnects, e.g. to another replica), no new calls, the running ones finish.
 */
@ApplicationScoped
class GrpcDrain {
  private static final Logger LOG = Logger.getLogger(GrpcDrain.class);
  private static final String VERTICLE = "GrpcServerVerticle";

  /** The gate must have been idle this long: calls between the transport and the gate finish. */
  private static final long SETTLE_MILLIS = 100;

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
    List<String> servers = grpcDeployments();
    // Stopping the server refuses new calls at once but does not wait for the running ones.
    for (String id : servers) {
      try {
        vertx
            .undeploy(id)
            .toCompletionStage()
            .toCompletableFuture()
            .get(timeoutMillis, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        LOG.warnf(
            "gRPC calls still running after ppruning.finetuner.serving.drain-timeout (%d ms);"
                + " stopping anyway",
            timeoutMillis);
      } catch (Exception e) {
        LOG.warnf("stopping the gRPC server before the beans failed: %s", e.toString());
      }
    }
    if (!servers.isEmpty()) {
      awaitIdleGate(start + timeoutMillis * 1_000_000);
      LOG.infof(
          "gRPC server stopped and its calls finished (%d verticles, %d ms)",
          servers.size(), (System.nanoTime() - start) / 1_000_000);
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

  /** The deployments of Quarkus' separate gRPC server, if it runs as a verticle. */
  private List<String> grpcDeployments() {
    if (!(vertx instanceof VertxInternal internal)) {
      return List.of();
    }
    return vertx.deploymentIDs().stream()
        .filter(
            id -> {
              Deployment d = internal.getDeployment(id);
              return d != null
                  && d.getVerticles().stream()
                      .map(Verticle::getClass)
                      .anyMatch(c -> c.getName().endsWith("$" + VERTICLE));
            })
        .toList();
  }
}
