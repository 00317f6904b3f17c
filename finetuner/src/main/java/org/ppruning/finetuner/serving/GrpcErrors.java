package org.ppruning.finetuner.serving;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.jboss.logging.Logger;
import org.ppruning.serve.ServingException;

/** Core's refusals -> gRPC statuses with the same message; anything else is INTERNAL and logged. */
final class GrpcErrors {
  private static final Logger LOG = Logger.getLogger(GrpcErrors.class);

  private GrpcErrors() {}

  static StatusRuntimeException status(Throwable e) {
    if (e instanceof StatusRuntimeException s) {
      return s;
    }
    if (e instanceof ServingException s) {
      Status code =
          switch (s.code()) {
            case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.NOT_FOUND;
            case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
            case UNIMPLEMENTED -> Status.UNIMPLEMENTED;
            case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
            case DEADLINE_EXCEEDED -> Status.DEADLINE_EXCEEDED;
          };
      return code.withDescription(s.getMessage()).asRuntimeException();
    }
    LOG.error("serving request failed", e);
    return Status.INTERNAL
        .withDescription(e.getClass().getSimpleName() + ": " + e.getMessage())
        .withCause(e)
        .asRuntimeException();
  }

  static StatusRuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }
}
