package org.ppruning.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

class BrokerProblemTest {
  private static final String AT = "the Kafka broker at kafka.bootstrap.servers=b:9093";

  @Test
  void aWrongPasswordNamesTheSaslKeys() {
    String m =
        BrokerProblem.describe(
            "b:9093",
            new ExecutionException(
                new SaslAuthenticationException(
                    "Authentication failed during authentication due to invalid credentials with"
                        + " SASL mechanism SCRAM-SHA-512")));
    assertTrue(m.startsWith("authentication with " + AT + " failed: Authentication failed"), m);
    assertTrue(m.contains("invalid credentials"), m);
    assertTrue(m.contains("kafka.sasl.jaas.config"), m);
    assertTrue(m.contains("kafka.sasl.mechanism"), m);
  }

  @Test
  void aFailedTlsHandshakeNamesTheTruststore() {
    String m =
        BrokerProblem.describe(
            "b:9093",
            new ExecutionException(
                new SslAuthenticationException(
                    "SSL handshake failed",
                    new javax.net.ssl.SSLHandshakeException(
                        "PKIX path building failed: unable to find valid certification path"))));
    assertTrue(m.startsWith("TLS handshake with " + AT + " failed: SSL handshake failed"), m);
    assertTrue(m.contains("PKIX path building failed"), m);
    assertTrue(m.contains("kafka.ssl.truststore.location"), m);
  }

  @Test
  void aTruststoreThatCannotBeLoadedNamesItsKey() {
    String m =
        BrokerProblem.describe(
            "b:9093",
            new KafkaException(
                "Failed to create new KafkaAdminClient",
                new KafkaException(
                    "Failed to load SSL keystore /nope/truststore.p12 of type PKCS12",
                    new java.nio.file.NoSuchFileException("/nope/truststore.p12"))));
    assertTrue(m.startsWith("cannot set up TLS to " + AT), m);
    assertTrue(m.contains("/nope/truststore.p12"), m);
    assertTrue(m.contains("kafka.ssl.truststore.location"), m);
  }

  @Test
  void aMissingJaasConfigNamesIt() {
    String m =
        BrokerProblem.describe(
            "b:9093",
            new KafkaException(
                "Failed to create new KafkaAdminClient",
                new IllegalArgumentException(
                    "Could not find a 'KafkaClient' entry in the JAAS configuration. System"
                        + " property 'java.security.auth.login.config' is not set")));
    assertTrue(m.startsWith("cannot set up SASL for " + AT), m);
    assertTrue(m.contains("kafka.sasl.jaas.config"), m);
  }

  @Test
  void noAnswerNamesTheBootstrapServers() {
    String m =
        BrokerProblem.describe(
            "127.0.0.1:1",
            new ExecutionException(
                new TimeoutException(
                    "Timed out waiting for a node assignment. Call: describeCluster")));
    assertEquals(
        "cannot reach the Kafka broker at kafka.bootstrap.servers=127.0.0.1:1: no answer in time"
            + " (Timed out waiting for a node assignment. Call: describeCluster; is the broker"
            + " running and is kafka.security.protocol the listener's?)",
        m);
  }

  @Test
  void aMissingAclIsNamed() {
    String m =
        BrokerProblem.describe(
            "b:9093", new TopicAuthorizationException("Not authorized to access topics: [t]"));
    assertTrue(m.startsWith("not authorized by " + AT + ": Not authorized"), m);
  }

  @Test
  void anythingElseNamesTheBrokerAndTheCause() {
    assertEquals(
        "cannot reach " + AT + ": boom",
        BrokerProblem.describe(
            "b:9093", new ExecutionException(new IllegalStateException("boom"))));
  }
}
