package org.ppruning.finetuner.serving;

import io.grpc.Server;
import io.vertx.core.Verticle;
import io.vertx.core.Vertx;
import io.vertx.core.impl.Deployment;
import io.vertx.core.impl.VertxInternal;
import io.vertx.grpc.VertxServer;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds Quarkus' separate gRPC server (quarkus-grpc 3.33, {@code
 * quarkus.grpc.server.use-separate-server=true}): the Vert.x deployments of its {@code
 * GrpcServerRecorder$GrpcServerVerticle} and the grpc-java {@link Server} behind them.
 *
 * <p>The grpc-java server is reached through the verticle's private field {@code grpcServer} (an
 * {@code io.vertx.grpc.VertxServer}, whose {@link VertxServer#getRawServer()} is the server
 * grpc-java runs): Quarkus offers no other handle on it. {@link GrpcDrain} needs it to stop the
 * server before the verticle goes (why: there). If a later Quarkus renames the field, {@link
 * #rawServer} throws naming it.
 */
final class QuarkusGrpcServers {
  static final String VERTICLE = "GrpcServerVerticle";
  static final String FIELD = "grpcServer";

  /** A deployment of the gRPC server verticle: its id and its verticle instances. */
  record Found(String deploymentId, List<Verticle> verticles) {}

  private QuarkusGrpcServers() {}

  /** The deployments of Quarkus' gRPC server verticle; empty if none runs (or not on Vert.x). */
  static List<Found> find(Vertx vertx) {
    List<Found> out = new ArrayList<>();
    if (!(vertx instanceof VertxInternal internal)) {
      return out;
    }
    for (String id : vertx.deploymentIDs()) {
      Deployment d = internal.getDeployment(id);
      if (d == null) {
        continue;
      }
      List<Verticle> vs =
          d.getVerticles().stream()
              .filter(v -> v.getClass().getName().endsWith("$" + VERTICLE))
              .toList();
      if (!vs.isEmpty()) {
        out.add(new Found(id, vs));
      }
    }
    return out;
  }

  /**
   * The grpc-java server a gRPC server verticle runs (for a {@code VertxServer}: its raw server,
   * whose {@code shutdown()} is grpc-java's graceful one and leaves Vert.x alone).
   *
   * @throws IllegalStateException naming the class and field if the verticle has no such field or
   *     holds no server
   */
  static Optional<Server> rawServer(Verticle verticle) {
    Object value;
    try {
      Field f = verticle.getClass().getDeclaredField(FIELD);
      f.setAccessible(true);
      value = f.get(verticle);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot read field '"
              + FIELD
              + "' of "
              + verticle.getClass().getName()
              + " (quarkus-grpc changed?): "
              + e,
          e);
    }
    if (value instanceof VertxServer v) {
      return Optional.of(v.getRawServer());
    }
    if (value instanceof Server s) {
      return Optional.of(s);
    }
    return Optional.empty(); // not started (yet), e.g. a failed start
  }
}
