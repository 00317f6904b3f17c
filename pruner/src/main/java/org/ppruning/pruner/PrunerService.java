package org.ppruning.pruner;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.pruning.compensation.CompensationSettings;
import org.ppruning.pruning.run.Method;
import org.ppruning.pruning.run.PruneSettings;
import org.ppruning.service.KafkaClients;
import org.ppruning.service.KafkaTracing;
import org.ppruning.service.RestartLoop;
import org.ppruning.service.ServiceIdentity;
import org.ppruning.stream.BaseModels;
import org.ppruning.stream.CheckpointSchedule;
import org.ppruning.stream.ModelRepository;
import org.ppruning.stream.PrunerEngine;
import org.ppruning.stream.PrunerLoop;

/**
 * The pruner service: loads the base model and the checkpoint once, then runs the {@link
 * PrunerLoop} over Kafka ({@link SummaryConsumer}) in a {@link RestartLoop}, so a broker that is
 * down or a failed commit starts the consumer again after {@code restart-backoff} with the state
 * already in memory. A base model that does not load or an invalid setting stops it for good.
 */
@ApplicationScoped
public class PrunerService {
  private static final Logger LOG = Logger.getLogger(PrunerService.class);
  static final String CHECKPOINT = "checkpoint.bin";

  private final PrunerConfig config;
  private final PrunerMetrics metrics;
  private final KafkaTracing tracing;
  private final ExecutorService pruning =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "pruner-recluster");
            t.setDaemon(true);
            return t;
          });
  private volatile RestartLoop loop;
  private volatile PrunerLoop steps; // loaded by the first run, kept by every restart

  PrunerService(PrunerConfig config, MeterRegistry meters, KafkaTracing tracing) {
    this.tracing = tracing;
    this.config = config;
    this.metrics = new PrunerMetrics(meters);
  }

  void start(@Observes StartupEvent ev) {
    if (!config.kafka().enabled()) {
      return;
    }
    loop =
        new RestartLoop("pruner-consumer", config.restartBackoff(), this::run, metrics::restarted);
    loop.start();
  }

  void stop(@Observes ShutdownEvent ev) throws InterruptedException, IOException {
    RestartLoop l = loop;
    if (l != null) {
      l.stop(Duration.ofSeconds(60));
      PrunerLoop s = steps;
      if (s != null && l.phase() == RestartLoop.Phase.STOPPED) {
        s.saveIfIdle(); // stopped between two runs: what was merged since the last save
      }
    }
    pruning.shutdownNow();
  }

  /** Who this service is, for the shared runtime readiness check. */
  @Produces
  @Singleton
  ServiceIdentity identity() {
    return new ServiceIdentity(
        "pruner", config.workDir(), config.kafka().enabled() ? config.kafka() : null);
  }

  /** Readiness: disabled, loading, or the loop's phase (starting, running, restarting...). */
  String state() {
    RestartLoop l = loop;
    if (l == null) {
      return "disabled";
    }
    RestartLoop.Phase p = l.phase();
    return p == RestartLoop.Phase.STARTING && steps == null ? "loading" : p.name().toLowerCase();
  }

  /** Why the pruner is not running, null when it is. */
  String problem() {
    RestartLoop l = loop;
    return l == null ? null : l.problem();
  }

  PrunerEngine engine() {
    PrunerLoop s = steps;
    return s == null ? null : s.engine();
  }

  private void run(RestartLoop l) throws Exception {
    PrunerLoop s = prepared();
    KafkaClients kafka;
    try {
      kafka =
          new KafkaClients(
              KafkaClients.sharedKeys(ConfigProvider.getConfig()),
              config.kafka(),
              "ppruning-pruner");
      kafka.consumerConfig(SummaryConsumer.CONSUMER); // refuses what the loop cannot work with
    } catch (IllegalArgumentException e) {
      throw new RestartLoop.Fatal(e.getMessage(), e);
    }
    SummaryConsumer.run(kafka, s, l, tracing);
  }

  /** The loop over the engine restored from the checkpoint: made by the first run only. */
  private PrunerLoop prepared() throws RestartLoop.Fatal {
    if (steps != null) {
      return steps;
    }
    try {
      BaseModels bases =
          new BaseModels(
              config.defaultModel(),
              config.models(),
              ArtifactCache.fromEnvironment(System.getenv(), System.getProperties()),
              m -> LOG.infof("pruner: loading base model %s", m));
      PrunerEngine.Settings settings =
          new PrunerEngine.Settings(
              pruneSettings(),
              config.minSamples(),
              config.everySamples(),
              config.minChange(),
              CompensationSettings.Mode.of(config.compensation()),
              config.compensationRows(),
              config.compensationRidge());
      CheckpointSchedule schedule =
          new CheckpointSchedule(
              config.checkpoint().everySummaries(),
              config.checkpoint().interval(),
              System::nanoTime);
      bases.defaultBase(); // the default model is loaded before anything is read
      Path file = config.stateDir().resolve(CHECKPOINT);
      PrunerEngine engine =
          PrunerEngine.open(file, new ModelRepository(config.repository()), settings, bases);
      metrics.watch(engine);
      LOG.infof(
          "pruner: state restored from %s: %s, offsets %s", file, engine.tasks(), engine.offsets());
      steps = new PrunerLoop(engine, file, schedule, pruning, metrics);
      return steps;
    } catch (IOException | RuntimeException | LinkageError e) {
      throw new RestartLoop.Fatal("pruner cannot start: " + e, e);
    }
  }

  /** The pruning settings of {@code ppruning.pruner.*} (the defaults are the prune command's). */
  private PruneSettings pruneSettings() {
    return PruneSettings.builder()
        .method(Method.of(config.method()))
        .linkage(PruneSettings.linkage(config.linkage()))
        .flopsKeep(config.flopsKeep())
        .lambda(config.lambda())
        .seed(config.seed())
        .tokens(config.tokens())
        .build();
  }
}
