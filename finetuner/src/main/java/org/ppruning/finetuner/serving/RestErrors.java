package org.ppruning.finetuner.serving;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.ppruning.serve.ServingException;

/**
 * Refusals as TensorFlow Serving's REST API gives them: {@code {"error": "<message>"}} with the
 * HTTP status TensorFlow Serving maps each gRPC code to (its http_server.cc): INVALID_ARGUMENT and
 * FAILED_PRECONDITION 400, NOT_FOUND 404, RESOURCE_EXHAUSTED 429, DEADLINE_EXCEEDED 504,
 * UNIMPLEMENTED 501; anything else is 500 and logged.
 */
final class RestErrors {
  private static final Logger LOG = Logger.getLogger(RestErrors.class);

  private RestErrors() {}

  static int httpStatus(ServingException.Code code) {
    return switch (code) {
      case INVALID_ARGUMENT, FAILED_PRECONDITION -> 400;
      case NOT_FOUND -> 404;
      case RESOURCE_EXHAUSTED -> 429;
      case DEADLINE_EXCEEDED -> 504;
      case UNIMPLEMENTED -> 501;
    };
  }

  static Response response(RuntimeException e) {
    if (e instanceof ServingException s) {
      return json(httpStatus(s.code()), RestJson.error(s.getMessage()));
    }
    LOG.error("REST serving request failed", e);
    return json(500, RestJson.error(e.getClass().getSimpleName() + ": " + e.getMessage()));
  }

  static Response json(int status, byte[] body) {
    return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(body).build();
  }
}
