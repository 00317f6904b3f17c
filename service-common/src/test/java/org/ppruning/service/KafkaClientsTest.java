package org.ppruning.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaClientsTest {

  /** A configuration with {@code props}, the service's mapping under {@code svc.kafka}. */
  static SmallRyeConfig config(Map<String, String> props) {
    return new SmallRyeConfigBuilder()
        .withSources(new PropertiesConfigSource(props, "test", 100))
        .withMapping(KafkaSettings.class, "svc.kafka")
        .build();
  }

  static KafkaClients clients(Map<String, String> props) {
    SmallRyeConfig c = config(props);
    return new KafkaClients(
        KafkaClients.sharedKeys(c),
        c.getConfigMapping(KafkaSettings.class, "svc.kafka"),
        "ppruning-svc");
  }

  @Test
  void sharedKeysReachEveryClientAndPerClientOverridesWin() {
    KafkaClients k =
        clients(
            Map.of(
                "kafka.bootstrap.servers", "b:9093",
                "kafka.security.protocol", "SASL_SSL",
                "kafka.sasl.mechanism", "SCRAM-SHA-512",
                "svc.kafka.producer.sasl.mechanism", "PLAIN",
                "svc.kafka.consumer.session.timeout.ms", "9000"));
    Map<String, Object> consumer = k.consumerConfig(Map.of("max.poll.records", 50));
    Map<String, Object> producer = k.producerConfig(Map.of("acks", "all"));
    Map<String, Object> admin = k.adminConfig(Map.of());
    for (Map<String, Object> c : new Map[] {consumer, producer, admin}) {
      assertEquals("b:9093", c.get("bootstrap.servers"));
      assertEquals("SASL_SSL", c.get("security.protocol"));
    }
    assertEquals("SCRAM-SHA-512", consumer.get("sasl.mechanism"));
    assertEquals("PLAIN", producer.get("sasl.mechanism"));
    assertEquals("SCRAM-SHA-512", admin.get("sasl.mechanism"));
    assertEquals("9000", consumer.get("session.timeout.ms"));
    assertFalse(producer.containsKey("session.timeout.ms"));
    assertEquals(50, consumer.get("max.poll.records"));
    assertEquals("all", producer.get("acks"));
    assertEquals("ppruning-svc", consumer.get("group.id"));
    assertEquals("false", consumer.get("enable.auto.commit"));
  }

  @Test
  void sharedKeysOverrideTheServiceDefaults() {
    KafkaClients k = clients(Map.of("kafka.bootstrap.servers", "b:1", "kafka.acks", "1"));
    assertEquals("1", k.producerConfig(Map.of("acks", "all")).get("acks"));
  }

  @Test
  void environmentVariablesAreSharedKeys() {
    SmallRyeConfig c =
        new SmallRyeConfigBuilder()
            .withSources(
                new EnvConfigSource(
                    Map.of(
                        "KAFKA_BOOTSTRAP_SERVERS",
                        "env:9092",
                        "KAFKA_SASL_JAAS_CONFIG",
                        "x required;"),
                    300))
            .build();
    Map<String, String> shared = KafkaClients.sharedKeys(c);
    assertEquals("env:9092", shared.get("bootstrap.servers"));
    assertEquals("x required;", shared.get("sasl.jaas.config"));
  }

  @Test
  void groupComesFromTheSettingsElseTheServiceDefault() {
    assertEquals("ppruning-svc", clients(Map.of("kafka.bootstrap.servers", "b:1")).group());
    KafkaClients k = clients(Map.of("kafka.bootstrap.servers", "b:1", "svc.kafka.group", "g2"));
    assertEquals("g2", k.group());
    assertEquals("g2", k.consumerConfig(Map.of()).get("group.id"));
  }

  @Test
  void autoCommitIsRefusedByName() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                clients(
                        Map.of(
                            "kafka.bootstrap.servers",
                            "b:1",
                            "svc.kafka.consumer.enable.auto.commit",
                            "true"))
                    .consumerConfig(Map.of()));
    assertTrue(
        e.getMessage().contains("ppruning.<service>.kafka.consumer.enable.auto.commit=true"),
        e.getMessage());
    var shared =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                clients(
                        Map.of(
                            "kafka.bootstrap.servers", "b:1", "kafka.enable.auto.commit", "true"))
                    .consumerConfig(Map.of()));
    assertTrue(
        shared.getMessage().startsWith("kafka.enable.auto.commit=true"), shared.getMessage());
  }

  @Test
  void aMissingBrokerIsRefusedByName() {
    var e = assertThrows(IllegalArgumentException.class, () -> clients(Map.of()));
    assertTrue(e.getMessage().contains("kafka.bootstrap.servers"), e.getMessage());
  }

  @Test
  void topicsHaveSharedDefaultsAndAreConfigurable() {
    KafkaClients k =
        clients(
            Map.of(
                "kafka.bootstrap.servers",
                "b:1",
                "svc.kafka.topics.models",
                "team.models",
                "svc.kafka.partitions",
                "6"));
    KafkaSettings.TopicNames t = k.settings().topics();
    assertEquals("ppruning.samples", t.samples());
    assertEquals("ppruning.samples.dlq", t.dlq());
    assertEquals("ppruning.summaries", t.summaries());
    assertEquals("team.models", t.models());
    assertEquals(6, k.newTopic("x").numPartitions());
    assertEquals(1, k.newTopic("x").replicationFactor());
  }
}
