package org.ppruning.finetuner.serving;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * With {@code ppruning.finetuner.serving.auth.token} (or {@code .token-file}) set, every gRPC call
 * except {@code grpc.health.v1.Health} (probes) must carry {@code authorization: Bearer <token>};
 * otherwise it ends UNAUTHENTICATED naming what was missing or wrong, never echoing a token ({@link
 * BearerToken} compares). Unset: calls pass unchanged. Runs before the other global interceptors.
 */
@GlobalInterceptor
@ApplicationScoped
@Priority(1000)
public class BearerTokenInterceptor implements ServerInterceptor {
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final BearerToken token;

  BearerTokenInterceptor(BearerToken token) {
    this.token = token;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (!token.required()
        || call.getMethodDescriptor().getFullMethodName().startsWith("grpc.health.v1.Health/")) {
      return next.startCall(call, headers);
    }
    String refusal = token.refusal(headers.get(AUTHORIZATION), "metadata");
    if (refusal == null) {
      return next.startCall(call, headers);
    }
    call.close(Status.UNAUTHENTICATED.withDescription(refusal), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
