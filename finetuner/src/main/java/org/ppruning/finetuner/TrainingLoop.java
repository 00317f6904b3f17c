package org.ppruning.finetuner;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;
import org.ppruning.finetuner.serving.ServingRegistry;
import org.ppruning.service.KafkaClients;
import org.ppruning.service.RestartLoop;
import org.ppruning.service.ServiceIdentity;
import org.ppruning.service.UntilAcknowledged;
import org.ppruning.stream.CommitTracker;
import org.ppruning.stream.ModelEvent;
import org.ppruning.stream.ModelRepository;

/**
 * Fine-tunes every new pruned version announced on the models topic ({@code
 * ppruning.finetuner.kafka.topics.models}) through {@link TrainingJobs}, and announces each
 * fine-tuned version there. The event poller runs in a {@link RestartLoop}: a failed commit or a
 * broker outage starts it again. An event's offset is committed only once its job finished or was
 * superseded, so a restart or a crash re-reads a job in flight instead of losing it.
 */
@ApplicationScoped
public class TrainingLoop {
  private static final Logger LOG = Logger.getLogger(TrainingLoop.class);
  static final String GROUP = "ppruning-finetuner";
  private static final Map<String, Object> CONSUMER =
      Map.of(
          ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
          ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
  private static final Map<String, Object> PRODUCER =
      Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true", ProducerConfig.ACKS_CONFIG, "all");

  private final FinetunerConfig config;
  private final ServingRegistry serving;
  private final MeterRegistry metrics;
  private final CommitTracker commits = new CommitTracker();
  private TrainingJobs jobs;
  private KafkaClients clients;
  private KafkaProducer<String, byte[]> producer;
  private volatile RestartLoop loop;

  TrainingLoop(FinetunerConfig config, ServingRegistry serving, MeterRegistry metrics) {
    this.config = config;
    this.serving = serving;
    this.metrics = metrics;
  }

  /** Who this service is, for the shared runtime readiness check. */
  @Produces
  @Singleton
  ServiceIdentity identity() {
    return new ServiceIdentity("finetuner", config.workDir());
  }

  /** The serving repository fine-tuned versions are written to (the one the registry serves). */
  public ModelRepository repository() {
    return serving.repository();
  }

  void start(@Observes StartupEvent ev) {
    FinetunerConfig.Training c = config.training();
    jobs = new TrainingJobs(TrainingJobs.engine(c, serving), commits, metrics);
    if (!c.enabled() || !config.kafka().enabled()) {
      LOG.info(
          "training disabled (ppruning.finetuner.training.enabled or"
              + " ppruning.finetuner.kafka.enabled is false): serving only");
      return;
    }
    float weight = c.distillWeight();
    if (c.teacher().isPresent() && !(weight > 0 && Float.isFinite(weight))) {
      throw new IllegalArgumentException(
          "ppruning.finetuner.training.distill-weight must be"
              + " a finite number > 0 when a teacher is set, got "
              + weight);
    }
    clients =
        new KafkaClients(
            KafkaClients.sharedKeys(ConfigProvider.getConfig()), config.kafka(), GROUP);
    producer = clients.producer(new StringSerializer(), new ByteArraySerializer(), PRODUCER);
    jobs.start(this::publish);
    loop =
        new RestartLoop(
            "finetuner-events",
            Duration.ofSeconds(5),
            this::poll,
            metrics.counter("ppruning.finetuner.events.restarts")::increment);
    loop.start();
    LOG.infof(
        "fine-tuning new pruned versions from %s on %s into %s",
        topic(), clients.bootstrap(), repository().root());
  }

  void stop(@Observes ShutdownEvent ev) throws InterruptedException {
    if (loop != null) {
      loop.stop(Duration.ofSeconds(10));
      jobs.stop();
      producer.close(Duration.ofSeconds(5));
    }
  }

  /** The event poller, null when training is off (for readiness). */
  RestartLoop events() {
    return loop;
  }

  /** What is training right now ("" when idle). */
  public String current() {
    return jobs == null ? "" : jobs.current();
  }

  private String topic() {
    return config.kafka().topics().models();
  }

  /** One run of the poller: the topic exists, then poll, queue, commit until stopped. */
  private void poll(RestartLoop run) throws Exception {
    // The broker does not create topics on first use (deploy/kafka): create ours if missing.
    clients.ensureTopics(List.of(clients.newTopic(topic())), Duration.ofSeconds(60));
    try (KafkaConsumer<String, byte[]> c =
        clients.consumer(new StringDeserializer(), new ByteArrayDeserializer(), CONSUMER)) {
      c.subscribe(
          List.of(topic()),
          new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> parts) {
              try {
                commit(c);
              } catch (RuntimeException e) { // not committed: those records are read again
                LOG.warnf("cannot commit %s on revocation: %s", parts, e);
              }
              parts.forEach(tp -> commits.forget(tp.partition()));
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> parts) {}
          });
      run.running();
      while (!run.stopping()) {
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
          commits.started(r.partition(), r.offset());
          jobs.accept(
              r.value(),
              r.partition(),
              r.offset(),
              r.topic() + "-" + r.partition() + "@" + r.offset());
        }
        commit(c);
      }
      commit(c);
    }
  }

  private void commit(KafkaConsumer<String, byte[]> c) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition tp : c.assignment()) {
      commits.committable(tp.partition()).ifPresent(o -> offsets.put(tp, new OffsetAndMetadata(o)));
    }
    if (!offsets.isEmpty()) {
      c.commitSync(offsets);
    }
  }

  /**
   * Sends a fine-tuned version's event, again every 5 s while the broker cannot be reached: the
   * version is written and served already, and a re-read pruned event would not train it again.
   */
  private void publish(ModelEvent e) {
    String what = e.task() + " version " + e.version() + " to " + topic();
    try {
      UntilAcknowledged.run(
          "the fine-tuned event of " + what,
          Duration.ofSeconds(5),
          () -> loop != null && loop.stopping(),
          () -> producer.send(new ProducerRecord<>(topic(), e.task(), e.toJson())).get());
      LOG.infof(
          "%s: fine-tuned version %d written to %s: %s",
          e.task(), e.version(), e.path(), e.metrics());
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while publishing " + what, ex);
    } catch (Exception ex) {
      throw new IllegalStateException("cannot publish " + what + ": " + ex.getMessage(), ex);
    }
  }
}
