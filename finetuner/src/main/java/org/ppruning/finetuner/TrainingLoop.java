package org.ppruning.finetuner;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;
import org.ppruning.finetuner.serving.ServingRegistry;
import org.ppruning.service.KafkaClients;
import org.ppruning.service.KafkaTracing;
import org.ppruning.service.RestartLoop;
import org.ppruning.service.ServiceIdentity;
import org.ppruning.stream.CommitTracker;
import org.ppruning.stream.JobRetry;
import org.ppruning.stream.ModelEvent;
import org.ppruning.stream.ModelRepository;

/**
 * Fine-tunes every new pruned version announced on the models topic ({@code
 * ppruning.finetuner.kafka.topics.models}) through {@link TrainingJobs}, and announces each
 * fine-tuned version there. The event poller runs in a {@link RestartLoop}: a failed commit or a
 * broker outage starts it again; a commit that fails for a retriable reason (a timeout during an
 * outage, a rebalance) is logged, counted and retried with the next commit ({@link EventCommits}),
 * without a restart. An event's offset is committed only once its job was published, skipped or
 * superseded, so a restart or a crash re-reads a job in flight instead of losing it (and the
 * repository's parent record keeps a re-read job from training again).
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
  private final EventTraces traces;
  private final CommitTracker commits = new CommitTracker();
  private TrainingJobs jobs;
  private KafkaClients clients;
  private KafkaProducer<String, byte[]> producer;
  private RestartLoop loop;
  private EventCommits offsets;

  TrainingLoop(
      FinetunerConfig config,
      ServingRegistry serving,
      MeterRegistry metrics,
      KafkaTracing tracing) {
    this.traces = new EventTraces(tracing);
    this.config = config;
    this.serving = serving;
    this.metrics = metrics;
  }

  /** Who this service is, for the shared runtime readiness check. */
  @Produces
  @Singleton
  ServiceIdentity identity() {
    boolean kafka = config.training().enabled() && config.kafka().enabled();
    return new ServiceIdentity("finetuner", config.workDir(), kafka ? config.kafka() : null);
  }

  /** The serving repository fine-tuned versions are written to (the one the registry serves). */
  public ModelRepository repository() {
    return serving.repository();
  }

  void start(@Observes StartupEvent ev) {
    FinetunerConfig.Training c = config.training();
    jobs =
        new TrainingJobs(
            FinetunerEngines.engine(c, serving),
            commits,
            new JobRetry(c.attempts(), c.retryDelay(), JobRetry.DEFAULT.maxDelay()),
            metrics);
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
    offsets = new EventCommits(commits, topic(), metrics);
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

  /** The last job skipped after a failure, and why ("" if none). */
  public String lastSkipped() {
    return jobs == null ? "" : jobs.lastSkipped();
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
      c.subscribe(List.of(topic()), offsets.listener(c));
      run.running();
      while (!run.stopping()) {
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
          long epoch = commits.started(r.partition(), r.offset());
          traces.read(r);
          jobs.accept(
              r.value(),
              r.partition(),
              r.offset(),
              epoch,
              r.topic() + "-" + r.partition() + "@" + r.offset());
        }
        offsets.tryCommit(c);
      }
      offsets.tryCommit(c);
    }
  }

  /** Sends a fine-tuned version's event; TrainingJobs sends it again while this throws. */
  private void publish(ModelEvent e) {
    try {
      // Continues the trace of the pruned version's event (docs/operations.md, "Tracing").
      traces.publish(producer, topic(), e);
      LOG.infof(
          "%s: fine-tuned version %d written to %s: %s",
          e.task(), e.version(), e.path(), e.metrics());
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while publishing " + e.task(), ex);
    } catch (Exception ex) {
      String what = e.task() + " version " + e.version() + " to " + topic();
      throw new IllegalStateException("cannot publish " + what + ": " + ex.getMessage(), ex);
    }
  }
}
