package org.ppruning.finetuner;

import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import org.ppruning.finetuner.grpc.Ping;
import org.ppruning.finetuner.grpc.PingReply;
import org.ppruning.finetuner.grpc.PingRequest;
import org.tensorflow.TensorFlow;

/**
 * gRPC {@code ppruning.finetuner.v1.Ping}: echoes the payload, names the service and its
 * TensorFlow.
 */
@GrpcService
public class PingService implements Ping {

  @Override
  public Uni<PingReply> ping(PingRequest request) {
    return Uni.createFrom()
        .item(
            PingReply.newBuilder()
                .setPayload(request.getPayload())
                .setService("finetuner")
                .setTensorflowVersion(TensorFlow.version())
                .build());
  }
}
