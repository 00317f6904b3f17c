package org.ppruning.profiler;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;
import org.ppruning.service.KafkaClients;
import org.ppruning.service.KafkaSettings;
import org.ppruning.service.KafkaTracing;
import org.ppruning.service.RestartLoop;
import org.ppruning.service.ServiceIdentity;
import org.ppruning.stream.ProfilerEngine;
import org.ppruning.stream.SampleRecords;

/**
 * Runs the profiler in a {@link RestartLoop}: the first run loads the task models (readiness stays
 * DOWN until they are; a model that cannot load, or an invalid setting, ends the loop for good),
 * every run creates missing topics and then consumes with {@link SampleLoop}. All profiling and
 * batching logic is in core ({@link ProfilerEngine}, {@link org.ppruning.stream.BatchPlanner}).
 */
@ApplicationScoped
public class ProfilerService {
  private static final Logger LOG = Logger.getLogger(ProfilerService.class);

  private final ProfilerConfig config;
  private final MeterRegistry registry;
  private final KafkaTracing tracing;
  private final TaskModels models = new TaskModels();
  private ProfilerMetrics metrics;
  private volatile RestartLoop loop;
  // Set by the first run, kept across restarts (the engine carries each task's running state).
  private KafkaClients clients;
  private SampleLoopSettings settings;
  private SampleRecords records;
  private ProfilerEngine engine;

  ProfilerService(ProfilerConfig config, MeterRegistry registry, KafkaTracing tracing) {
    this.config = config;
    this.registry = registry;
    this.tracing = tracing;
  }

  void onStart(@Observes StartupEvent e) {
    metrics = new ProfilerMetrics(registry);
    loop =
        new RestartLoop(
            "ppruning-profiler", config.restartBackoff(), this::run, metrics::restarted);
    loop.start();
  }

  void onStop(@Observes ShutdownEvent e) throws InterruptedException {
    RestartLoop l = loop;
    if (l != null) {
      l.stop(Duration.ofSeconds(60)); // a batch in hand is finished, not interrupted
    }
    models.close();
  }

  /** Who this service is, for the shared runtime readiness check. */
  @Produces
  @Singleton
  ServiceIdentity identity() {
    return new ServiceIdentity(
        "profiler", config.workDir(), config.kafka().enabled() ? config.kafka() : null);
  }

  /** Where the consumer loop is. */
  public RestartLoop.Phase phase() {
    RestartLoop l = loop;
    return l == null ? RestartLoop.Phase.STARTING : l.phase();
  }

  /** Why the loop is not consuming (a model that failed to load, the last Kafka error). */
  public String problem() {
    RestartLoop l = loop;
    return l == null ? null : l.problem();
  }

  /** Task -> model, once loaded. */
  public Map<String, String> models() {
    return models.loaded();
  }

  /** Models loaded and the consumer subscribed and polling. */
  public boolean ready() {
    return phase() == RestartLoop.Phase.RUNNING;
  }

  /** One run of the loop. */
  private void run(RestartLoop l) throws Exception {
    if (engine == null) {
      setUp();
    }
    List<String> created = clients.ensureTopics(topics(), Duration.ofSeconds(30));
    if (!created.isEmpty()) {
      LOG.infof("created topics %s", created);
    }
    new SampleLoop(clients, settings, new ProfilingSteps(records, engine, metrics, tracing)).run(l);
  }

  /** Settings and models, once; what cannot work is {@link RestartLoop.Fatal}. */
  private void setUp() throws RestartLoop.Fatal {
    ProfilerEngine.Settings s;
    try {
      s =
          new ProfilerEngine.Settings(
              config.seed(),
              config.tokens(),
              config.runSize(),
              config.maxSummaryBytes(),
              ProfilerEngine.TooLong.parse(config.tooLong()),
              config.compensationRows());
      KafkaSettings.TopicNames t = config.kafka().topics();
      settings =
          new SampleLoopSettings(
              t.samples(),
              t.dlq(),
              t.summaries(),
              config.batchSize(),
              config.linger(),
              producerBytes());
      records = new SampleRecords(new HashSet<>(config.knownTasks()), config.maxRecordBytes());
      if (!config.kafka().enabled()) {
        throw new IllegalArgumentException(
            "ppruning.profiler.kafka.enabled=false: the"
                + " profiler reads its samples from Kafka and cannot run without it");
      }
      clients =
          new KafkaClients(
              KafkaClients.sharedKeys(ConfigProvider.getConfig()),
              config.kafka(),
              "ppruning-profiler");
      clients.consumerConfig(settings.consumerDefaults()); // refuses contradictions now
      settings.maxRequestBytes(clients.producerConfig(settings.producerDefaults()));
    } catch (IllegalArgumentException ex) {
      throw new RestartLoop.Fatal("invalid ppruning.profiler settings: " + ex.getMessage(), ex);
    }
    try {
      engine = new ProfilerEngine(models.open(config), s);
    } catch (Exception ex) {
      throw new RestartLoop.Fatal("cannot load the task models: " + ex.getMessage(), ex);
    }
  }

  /** Room for the largest summary or dead letter plus headers. */
  private int producerBytes() {
    return Math.max(config.maxSummaryBytes(), config.maxRecordBytes()) + (64 << 10);
  }

  /** The samples topic, and the DLQ and summaries topics with room for their records. */
  private List<NewTopic> topics() {
    List<NewTopic> out = new ArrayList<>(List.of(clients.newTopic(settings.samplesTopic())));
    Map<String, String> limit = Map.of("max.message.bytes", Integer.toString(producerBytes()));
    for (String t : List.of(settings.dlqTopic(), settings.summariesTopic())) {
      out.add(clients.newTopic(t).configs(limit));
    }
    return out;
  }
}
