package org.ppruning.deploy.images;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Run inside an unpacked image by {@link TarballStartCheck}, on the image's own JRE and the
 * kafka-clients jar the service ships: asks the broker for its cluster id, writes one record and
 * reads it back. Prints {@code cluster=ID roundtrip=VALUE}; exits non-zero on any failure.
 */
public final class KafkaProbe {

  private KafkaProbe() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: KafkaProbe BOOTSTRAP TOPIC");
    }
    String bootstrap = args[0];
    String topic = args[1];
    Map<String, Object> common =
        Map.of(
            "bootstrap.servers",
            bootstrap,
            "request.timeout.ms",
            10_000,
            "default.api.timeout.ms",
            20_000);
    String cluster;
    try (Admin admin = Admin.create(common)) {
      cluster = admin.describeCluster().clusterId().get();
    }
    String value = "probe-" + UUID.randomUUID();
    RecordMetadata written;
    try (KafkaProducer<String, String> p =
        new KafkaProducer<>(common, new StringSerializer(), new StringSerializer())) {
      written = p.send(new ProducerRecord<>(topic, "probe", value)).get();
    }
    try (KafkaConsumer<String, String> c =
        new KafkaConsumer<>(common, new StringDeserializer(), new StringDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, written.partition());
      c.assign(List.of(tp));
      c.seek(tp, written.offset());
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          if (r.offset() == written.offset()) {
            System.out.println("cluster=" + cluster + " roundtrip=" + r.value());
            if (!r.value().equals(value)) {
              System.exit(3);
            }
            return;
          }
        }
      }
    }
    System.err.println(
        "KafkaProbe: record at "
            + topic
            + "-"
            + written.partition()
            + "@"
            + written.offset()
            + " not read back within 20 s");
    System.exit(2);
  }
}
