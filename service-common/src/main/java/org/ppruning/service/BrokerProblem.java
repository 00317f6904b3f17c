package org.ppruning.service;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

/**
 * Why a service cannot use its Kafka broker, as one line an operator can act on: it names the
 * bootstrap servers and, for an authentication failure, the setting to fix ({@code
 * kafka.sasl.jaas.config} / {@code kafka.sasl.mechanism} for SASL, {@code
 * kafka.ssl.truststore.location} for a TLS handshake).
 */
public final class BrokerProblem {
  private BrokerProblem() {}

  /**
   * The message for a failed attempt to reach the broker.
   *
   * @param bootstrap {@code kafka.bootstrap.servers}
   * @param failure what the client threw (wrappers such as {@link ExecutionException} are looked
   *     through)
   */
  public static String describe(String bootstrap, Throwable failure) {
    Throwable cause = unwrap(failure);
    String at = "the Kafka broker at kafka.bootstrap.servers=" + bootstrap;
    if (cause instanceof SslAuthenticationException) {
      return "TLS handshake with "
          + at
          + " failed: "
          + rootMessage(cause)
          + " (check kafka.ssl.truststore.location and kafka.ssl.truststore.password: the"
          + " truststore must hold the CA of the broker's certificate; kafka.security.protocol"
          + " must match the listener)";
    }
    if (cause instanceof SaslAuthenticationException || cause instanceof AuthenticationException) {
      return "authentication with "
          + at
          + " failed: "
          + rootMessage(cause)
          + " (check the user and password in kafka.sasl.jaas.config and kafka.sasl.mechanism)";
    }
    if (cause instanceof AuthorizationException) {
      return "not authorized by "
          + at
          + ": "
          + rootMessage(cause)
          + " (the user in kafka.sasl.jaas.config needs the ACLs in docs/operations.md)";
    }
    String text = chainText(cause).toLowerCase();
    if (text.contains("truststore") || text.contains("keystore") || text.contains("pkix")) {
      return "cannot set up TLS to "
          + at
          + ": "
          + rootMessage(cause)
          + " (check kafka.ssl.truststore.location, kafka.ssl.truststore.password and, for"
          + " mutual TLS, kafka.ssl.keystore.location)";
    }
    if (text.contains("jaas") || text.contains("loginmodule") || text.contains("sasl")) {
      return "cannot set up SASL for "
          + at
          + ": "
          + rootMessage(cause)
          + " (check kafka.sasl.jaas.config and kafka.sasl.mechanism)";
    }
    if (cause instanceof TimeoutException
        || cause instanceof org.apache.kafka.common.errors.TimeoutException) {
      return "cannot reach "
          + at
          + ": no answer in time ("
          + rootMessage(cause)
          + "; is the broker running and is kafka.security.protocol the listener's?)";
    }
    return "cannot reach " + at + ": " + rootMessage(cause);
  }

  private static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof ExecutionException
            || c.getClass() == RuntimeException.class
            || c instanceof java.util.concurrent.CompletionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  /** The innermost message (Kafka wraps the real reason, e.g. a missing file, several times). */
  private static String rootMessage(Throwable t) {
    String msg = t.toString();
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c.getMessage() != null && !c.getMessage().isBlank()) {
        msg = c.getMessage();
      }
    }
    if (t.getMessage() != null && !t.getMessage().equals(msg)) {
      return t.getMessage() + ": " + msg;
    }
    return msg;
  }

  private static String chainText(Throwable t) {
    StringBuilder b = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      b.append(c).append(' ');
    }
    return b.toString();
  }
}
