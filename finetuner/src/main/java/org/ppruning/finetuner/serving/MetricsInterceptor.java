package org.ppruning.finetuner.serving;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Counts every gRPC call of the serving APIs: {@code
 * ppruning_serving_requests_seconds{method,code}} (a timer with a latency histogram: count, sum and
 * buckets) and {@code ppruning_serving_errors_total{method,code}} for calls that did not end OK.
 */
@GlobalInterceptor
@ApplicationScoped
public class MetricsInterceptor implements ServerInterceptor {
  private final MeterRegistry meters;

  MetricsInterceptor(MeterRegistry meters) {
    this.meters = meters;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    if (!method.startsWith("tensorflow.serving.") && !method.startsWith("ppruning.v1.")) {
      return next.startCall(call, headers);
    }
    long start = System.nanoTime();
    return next.startCall(
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            String code = status.getCode().name();
            Timer.builder("ppruning.serving.requests")
                .tag("method", method)
                .tag("code", code)
                .publishPercentileHistogram()
                .register(meters)
                .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
            if (!status.isOk()) {
              meters.counter("ppruning.serving.errors", "method", method, "code", code).increment();
            }
            super.close(status, trailers);
          }
        },
        headers);
  }
}
