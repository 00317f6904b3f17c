package org.ppruning.finetuner.serving;

import io.grpc.Context;
import io.grpc.Deadline;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.ppruning.finetuner.FinetunerConfig;
import org.ppruning.finetuner.ServingLimitSettings;
import org.ppruning.serve.ConcurrencyGate;
import org.ppruning.serve.ServingLimits;

/**
 * The serving limits of both gRPC services ({@code ppruning.finetuner.serving.limits.*}): core's
 * {@link ServingLimits} for what one request may ask for, and one {@link ConcurrencyGate} that
 * every model call passes, with the client's gRPC deadline.
 */
@ApplicationScoped
public class ServingGate {
  static final String PREFIX = "ppruning.finetuner.serving.limits.";

  /**
   * The least default {@code max-queued}: with 2 x processors alone, 8 concurrent clients of a
   * 2-core server are more than its 2 running and 4 waiting places (docs/serving.md).
   */
  static final int MIN_DEFAULT_QUEUED = 16;

  private final ServingLimits limits;
  private final ConcurrencyGate gate;

  ServingGate(FinetunerConfig config) {
    ServingLimitSettings c = config.serving().limits();
    this.limits =
        new ServingLimits(
            c.maxBatch(),
            c.maxBatchTokens(),
            c.maxTokensPerText(),
            c.maxNewTokens(),
            c.maxResponseValues(),
            PREFIX);
    int running = c.maxConcurrent().orElse(Runtime.getRuntime().availableProcessors());
    this.gate =
        new ConcurrencyGate(
            running,
            c.maxQueued().orElse(Math.max(MIN_DEFAULT_QUEUED, 2 * running)),
            c.maxQueueWait().toNanos(),
            PREFIX);
  }

  ServingLimits limits() {
    return limits;
  }

  ConcurrencyGate gate() {
    return gate;
  }

  /** Runs a model call once the gate lets it in, within the current gRPC call's deadline. */
  <T> T run(Supplier<T> call) {
    Deadline d = Context.current().getDeadline();
    long left = d == null ? Long.MAX_VALUE : d.timeRemaining(TimeUnit.NANOSECONDS);
    try (ConcurrencyGate.Permit p = gate.enter(left)) {
      return call.get();
    }
  }
}
