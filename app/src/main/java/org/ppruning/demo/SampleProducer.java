package org.ppruning.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.ppruning.data.Sample;
import org.ppruning.service.KafkaKeys;
import org.ppruning.stream.Topics;

/**
 * Streams task samples into {@link Topics#SAMPLES} the way any client would: one JSON record per
 * sample ({@code {"task", "id", "text", "text_pair", "label"}}, the profiler's contract), key =
 * task, idempotent producer, every record acknowledged by the broker before {@link #send} returns.
 */
public final class SampleProducer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern TRACEPARENT =
      Pattern.compile("00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}");

  private final String bootstrap;
  private final KafkaProducer<String, byte[]> producer;

  private final Map<String, String> shared;
  private volatile String traceparent;

  /** A producer of a broker without security settings. */
  public SampleProducer(String bootstrap) {
    this(bootstrap, Map.of());
  }

  /**
   * @param bootstrap the broker's bootstrap servers (over {@code shared}'s)
   * @param shared the shared {@code kafka.*} client keys, prefix stripped ({@link KafkaKeys#of}):
   *     security, SASL, SSL, timeouts, as the services get them
   */
  public SampleProducer(String bootstrap, Map<String, String> shared) {
    this.bootstrap = bootstrap;
    this.shared = Map.copyOf(shared);
    producer =
        new KafkaProducer<>(
            config(
                Map.of(
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                    ProducerConfig.LINGER_MS_CONFIG, "5")),
            new StringSerializer(),
            new ByteArraySerializer());
  }

  private Map<String, Object> config(Map<String, ?> defaults) {
    return KafkaKeys.layered(defaults, shared, Map.of("bootstrap.servers", bootstrap));
  }

  /**
   * Every record sent from now on carries this W3C trace context ({@code traceparent} header,
   * {@code 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>}), which the services continue when
   * tracing is on (docs/operations.md, "Tracing"); null: no header.
   *
   * @return this producer
   */
  public SampleProducer traced(String traceparent) {
    if (traceparent != null && !TRACEPARENT.matcher(traceparent).matches()) {
      throw new IllegalArgumentException(
          "traceparent '"
              + traceparent
              + "' is not 00-<32 hex trace id>-<16 hex span id>-<2 hex flags> (W3C Trace Context)");
    }
    this.traceparent = traceparent;
    return this;
  }

  /** A new random W3C {@code traceparent} (a new trace, sampled). */
  public static String newTraceparent() {
    java.security.SecureRandom r = new java.security.SecureRandom();
    return String.format(
        Locale.ROOT, "00-%016x%016x-%016x-01", r.nextLong(), r.nextLong(), r.nextLong() | 1);
  }

  /** The record value of one sample. */
  public static byte[] json(String task, Sample s) {
    ObjectNode n = JSON.createObjectNode();
    n.put("task", task);
    n.put("id", s.id());
    n.put("text", s.text());
    if (s.textPair() != null) {
      n.put("text_pair", s.textPair());
    }
    if (s.label() != null) {
      n.put("label", s.label());
    }
    try {
      return JSON.writeValueAsBytes(n);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write sample " + s.id() + " as JSON", e);
    }
  }

  /**
   * Creates the samples topic if the profiler has not yet (3 partitions, as the services create
   * theirs); an existing topic is left as it is.
   */
  public void ensureTopic() {
    try (Admin admin = Admin.create(config(Map.of()))) {
      admin
          .createTopics(List.of(new NewTopic(Topics.SAMPLES, Optional.of(3), Optional.empty())))
          .all()
          .get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException(
            "cannot create "
                + Topics.SAMPLES
                + " on "
                + bootstrap
                + ": "
                + e.getCause().getMessage(),
            e.getCause());
      }
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException(
          "broker " + bootstrap + " did not create " + Topics.SAMPLES + " within 60 s", e);
    }
  }

  /**
   * Sends the samples in order and waits until the broker acknowledged every one.
   *
   * @param progress called with the number of samples sent so far (every 100 and at the end)
   */
  public void send(String task, List<Sample> samples, IntConsumer progress) {
    send(task, samples, 0, progress);
  }

  /**
   * Like {@link #send(String, List, IntConsumer)}, but sample {@code i} goes to partition {@code i
   * mod partitions} (the key is still the task), so that several profilers share the samples of one
   * task; {@code partitions} 0: the partition of the key, as {@code send} does.
   */
  public void send(String task, List<Sample> samples, int partitions, IntConsumer progress) {
    List<Future<RecordMetadata>> pending = new ArrayList<>();
    for (int i = 0; i < samples.size(); i++) {
      Integer partition = partitions > 0 ? i % partitions : null;
      ProducerRecord<String, byte[]> r =
          new ProducerRecord<>(Topics.SAMPLES, partition, task, json(task, samples.get(i)));
      String tp = traceparent;
      if (tp != null) {
        r.headers().add("traceparent", tp.getBytes(StandardCharsets.UTF_8));
      }
      pending.add(producer.send(r));
      if ((i + 1) % 100 == 0) {
        progress.accept(i + 1);
      }
    }
    producer.flush();
    for (int i = 0; i < pending.size(); i++) {
      try {
        pending.get(i).get(60, TimeUnit.SECONDS);
      } catch (ExecutionException | InterruptedException | TimeoutException e) {
        throw new IllegalStateException(
            "sample "
                + samples.get(i).id()
                + " of task "
                + task
                + " was not acknowledged by "
                + bootstrap
                + ": "
                + e.getMessage(),
            e);
      }
    }
    progress.accept(samples.size());
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
  }
}
