package org.ppruning.serve;

/**
 * A request the serving layer refuses, with the gRPC-style code a transport should answer with and
 * a message that names the input and what was wrong.
 */
public final class ServingException extends RuntimeException {

  /** Why a request was refused; the names match gRPC status codes. */
  public enum Code {
    /** The request itself is wrong: tensor names, dtypes, shapes, values, texts. */
    INVALID_ARGUMENT,
    /** The model (task), version or label is not served. */
    NOT_FOUND,
    /**
     * The served model cannot answer this kind of request (a classify call to a model without
     * head).
     */
    FAILED_PRECONDITION,
    /** The operation exists in the API but not for this model. */
    UNIMPLEMENTED,
    /** A request larger than a limit, or the server busy beyond its queue (see ServingLimits). */
    RESOURCE_EXHAUSTED,
    /** The client's deadline passed before the request ran. */
    DEADLINE_EXCEEDED
  }

  private final Code code;

  public ServingException(Code code, String message) {
    super(message);
    this.code = code;
  }

  public Code code() {
    return code;
  }

  static ServingException invalid(String message) {
    return new ServingException(Code.INVALID_ARGUMENT, message);
  }

  static ServingException notFound(String message) {
    return new ServingException(Code.NOT_FOUND, message);
  }
}
