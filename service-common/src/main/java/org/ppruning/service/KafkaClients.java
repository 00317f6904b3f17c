package org.ppruning.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.eclipse.microprofile.config.Config;

/**
 * The one place a service's Kafka clients are configured. Every consumer, producer and admin client
 * gets, in this order (later wins): the service's defaults for that client, the shared {@code
 * kafka.*} keys (broker, security, SASL, SSL, timeouts, client ids: every key passes through), and
 * the per-client overrides {@code ppruning.<service>.kafka.consumer|producer|admin.*}. The few
 * settings a service's correctness rests on (its consumer group, manual commits) are set last, and
 * a configuration that contradicts them is refused by name.
 */
public final class KafkaClients {
  private static final String PREFIX = KafkaKeys.PREFIX;

  private final Map<String, String> shared;
  private final KafkaSettings settings;
  private final String group;

  /**
   * @param shared the {@code kafka.*} keys without the prefix ({@link #sharedKeys})
   * @param settings the service's {@code ppruning.<service>.kafka} settings
   * @param defaultGroup the consumer group when {@link KafkaSettings#group()} is unset
   */
  public KafkaClients(Map<String, String> shared, KafkaSettings settings, String defaultGroup) {
    this.shared = Map.copyOf(shared);
    this.settings = settings;
    this.group = settings.group().orElse(defaultGroup);
    if (bootstrap().isBlank()) {
      throw new IllegalArgumentException(
          "kafka.bootstrap.servers is not set (the broker's"
              + " host:port list; env KAFKA_BOOTSTRAP_SERVERS)");
    }
  }

  /**
   * The shared client keys of a configuration, prefix stripped: every {@code kafka.X} property and
   * every {@code KAFKA_X} environment variable (Kafka's keys are lower case and dotted, so {@code
   * KAFKA_SASL_JAAS_CONFIG} is {@code sasl.jaas.config}).
   */
  public static Map<String, String> sharedKeys(Config config) {
    Map<String, String> out = new TreeMap<>();
    for (String name : config.getPropertyNames()) {
      KafkaKeys.key(name)
          .ifPresent(
              k -> config.getOptionalValue(PREFIX + k, String.class).ifPresent(v -> out.put(k, v)));
    }
    return out;
  }

  /** {@code kafka.bootstrap.servers}. */
  public String bootstrap() {
    return shared.getOrDefault("bootstrap.servers", "");
  }

  /** The consumer group of this service's consumers. */
  public String group() {
    return group;
  }

  /** The service's Kafka settings (topics, partitions). */
  public KafkaSettings settings() {
    return settings;
  }

  /** A consumer's configuration: in its group, offsets committed by the service only. */
  public Map<String, Object> consumerConfig(Map<String, ?> defaults) {
    Map<String, Object> c = layered(defaults, settings.consumer());
    require(
        c,
        settings.consumer(),
        "consumer",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
        "false",
        "the service commits offsets only after a record's results are acknowledged");
    c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    return c;
  }

  /** A producer's configuration. */
  public Map<String, Object> producerConfig(Map<String, ?> defaults) {
    return layered(defaults, settings.producer());
  }

  /** An admin client's configuration. */
  public Map<String, Object> adminConfig(Map<String, ?> defaults) {
    return layered(defaults, settings.admin());
  }

  /** A consumer with {@link #consumerConfig}. */
  public <K, V> KafkaConsumer<K, V> consumer(
      Deserializer<K> keys, Deserializer<V> values, Map<String, ?> defaults) {
    return new KafkaConsumer<>(consumerConfig(defaults), keys, values);
  }

  /** A producer with {@link #producerConfig}. */
  public <K, V> KafkaProducer<K, V> producer(
      Serializer<K> keys, Serializer<V> values, Map<String, ?> defaults) {
    return new KafkaProducer<>(producerConfig(defaults), keys, values);
  }

  /** An admin client with {@link #adminConfig}. */
  public Admin admin() {
    return Admin.create(adminConfig(Map.of()));
  }

  /**
   * Creates the topics that do not exist yet (the broker does not create them on first use); one
   * created meanwhile by another service is fine.
   *
   * @return the names of the topics this call created
   */
  public List<String> ensureTopics(List<NewTopic> topics, Duration timeout)
      throws InterruptedException, ExecutionException, TimeoutException {
    try (Admin admin = admin()) {
      Set<String> have = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      List<String> created = new ArrayList<>();
      for (NewTopic t : topics) {
        if (have.contains(t.name())) {
          continue;
        }
        try {
          admin.createTopics(List.of(t)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
          created.add(t.name());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
      return created;
    }
  }

  /** A topic of this service's partitions and replication factor. */
  public NewTopic newTopic(String name) {
    return new NewTopic(name, settings.partitions(), settings.replicationFactor());
  }

  private Map<String, Object> layered(Map<String, ?> defaults, Map<String, String> overrides) {
    return KafkaKeys.layered(defaults, shared, overrides);
  }

  /** Sets {@code key} to {@code value}, refusing a configuration that asked for another value. */
  private void require(
      Map<String, Object> c,
      Map<String, String> overrides,
      String client,
      String key,
      String value,
      String why) {
    Object asked = c.get(key);
    if (asked != null && !asked.toString().equalsIgnoreCase(value)) {
      String source =
          overrides.containsKey(key)
              ? "ppruning.<service>.kafka." + client + "." + key
              : PREFIX + key;
      throw new IllegalArgumentException(
          source + "=" + asked + " is not supported: it must be " + value + " (" + why + ")");
    }
    c.put(key, value);
  }
}
