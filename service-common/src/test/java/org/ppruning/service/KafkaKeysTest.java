package org.ppruning.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class KafkaKeysTest {

  @Test
  void propertiesAndEnvironmentVariablesNameTheSameKeys() {
    assertEquals(Optional.of("sasl.jaas.config"), KafkaKeys.key("kafka.sasl.jaas.config"));
    assertEquals(Optional.of("sasl.jaas.config"), KafkaKeys.key("KAFKA_SASL_JAAS_CONFIG"));
    assertEquals(Optional.empty(), KafkaKeys.key("kafka."));
    assertEquals(Optional.empty(), KafkaKeys.key("ppruning.profiler.kafka.group"));
    assertEquals(Optional.empty(), KafkaKeys.key("KAFKA_lower"));
  }

  @Test
  void systemPropertiesWinOverTheEnvironment() {
    Properties props = new Properties();
    props.setProperty("kafka.security.protocol", "SASL_SSL");
    props.setProperty("java.home", "/jdk");
    Map<String, String> keys =
        KafkaKeys.of(
            Map.of(
                "KAFKA_SECURITY_PROTOCOL", "PLAINTEXT",
                "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
                "PATH", "/bin"),
            props);
    assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512"), keys);
  }

  @Test
  void overridesWinOverSharedKeysWhichWinOverDefaults() {
    Map<String, Object> c =
        KafkaKeys.layered(
            Map.of("acks", "all", "linger.ms", "5"),
            Map.of("acks", "1", "bootstrap.servers", "env:1"),
            Map.of("bootstrap.servers", "cli:2"));
    assertEquals(Map.of("acks", "1", "linger.ms", "5", "bootstrap.servers", "cli:2"), c);
  }
}
