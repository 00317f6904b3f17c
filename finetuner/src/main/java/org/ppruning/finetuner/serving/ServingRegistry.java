package org.ppruning.finetuner.serving;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;
import org.ppruning.finetuner.FinetunerConfig;
import org.ppruning.graph.Precision;
import org.ppruning.serve.Lease;
import org.ppruning.serve.ServedModels;
import org.ppruning.serve.ServingConfig;
import org.ppruning.serve.SwapPolicy;
import org.ppruning.serve.SwapResult;
import org.ppruning.service.PrecisionSetting;
import org.ppruning.stream.ModelRepository;

/**
 * The service's served models: core's {@link ServedModels} over the configured repository, scanned
 * at start and every {@code scan-interval}, restricted by the optional {@code models.config}
 * ({@link ModelConfigFile}, read again every {@code model-config-poll-interval}). A new version is
 * announced with {@link #offer(String, Path)}; every swap or refusal is logged and counted ({@code
 * ppruning_serving_swaps_total{task,outcome}}, {@code ppruning_serving_version{task}}).
 */
@Startup
@ApplicationScoped
public class ServingRegistry {
  private static final Logger LOG = Logger.getLogger(ServingRegistry.class);
  static final String PRECISION_KEY = "ppruning.finetuner.serving.precision";

  private final ModelRepository repository;
  private final ServedModels served;
  private final MeterRegistry meters;
  private final Map<String, AtomicLong> versionGauges = new ConcurrentHashMap<>();
  private final ScheduledExecutorService scanner;
  private final ModelConfigFile modelConfig;

  ServingRegistry(FinetunerConfig config, MeterRegistry meters) {
    FinetunerConfig.Serving c = config.serving();
    this.meters = meters;
    this.repository = new ModelRepository(c.repository());
    SwapPolicy policy = new SwapPolicy(c.refuseWorseMetric().orElse(null), c.metricTolerance());
    Precision precision = PrecisionSetting.read(PRECISION_KEY, c.precision());
    this.served =
        new ServedModels(policy, c.limits().maxTokensPerText(), precision, this::record, LOG::warn);
    this.modelConfig =
        c.modelConfigFile().map(f -> new ModelConfigFile(f, repository)).orElse(null);
    if (modelConfig != null) {
      reloadModelConfig(true);
    }
    scan();
    long every = c.scanInterval().toMillis();
    long poll = modelConfig == null ? 0 : c.modelConfigPollInterval().toMillis();
    if (every > 0 || poll > 0) {
      scanner =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "serving-repository-scan");
                t.setDaemon(true);
                return t;
              });
      if (every > 0) {
        scanner.scheduleWithFixedDelay(this::scan, every, every, TimeUnit.MILLISECONDS);
      }
      if (poll > 0) {
        scanner.scheduleWithFixedDelay(
            () -> reloadModelConfig(false), poll, poll, TimeUnit.MILLISECONDS);
      }
    } else {
      scanner = null;
    }
  }

  /**
   * Reads models.config again; if it changed, serves what it lists (and scans, unless {@code
   * atStart}: the first scan follows). A file that cannot be read or is refused is logged naming
   * the file and the problem, and the configuration in force stays (at start: nothing is served
   * until the file is good). No file: every task's newest version.
   */
  private void reloadModelConfig(boolean atStart) {
    try {
      ModelConfigFile.Change change = modelConfig.changed();
      if (change == null) {
        return;
      }
      ServingConfig next = change.config();
      served.configure(next);
      if (next == null) {
        LOG.warnf(
            "models.config %s does not exist: serving every task's newest version",
            modelConfig.file());
      } else {
        LOG.infof("models.config %s in force: serving %s", modelConfig.file(), next.names());
      }
      if (!atStart) {
        scan();
      }
    } catch (RuntimeException e) {
      if (atStart) {
        served.configure(new ServingConfig(List.of()));
        LOG.errorf("%s; nothing is served until the file is fixed", e.getMessage());
      } else {
        LOG.errorf("%s; the models.config read before stays in force", e.getMessage());
      }
    }
  }

  /** Waits until the scans and models.config reloads queued so far have run (for tests). */
  void awaitScans() throws Exception {
    if (scanner != null) {
      scanner.submit(() -> {}).get();
    }
  }

  /** Offers the versions of the repository newer than the served ones. */
  public List<SwapResult> scan() {
    try {
      return served.scan(repository);
    } catch (IOException | RuntimeException e) {
      LOG.errorf(e, "cannot scan the serving repository %s", repository.root());
      return List.of();
    }
  }

  /** Offers a version folder {@code <task>/<version>} (metrics from its spec's metadata). */
  public SwapResult offer(String task, Path versionDir) {
    String name = versionDir.getFileName().toString();
    long version;
    try {
      version = Long.parseLong(name);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "version folder " + versionDir + " is not named by a version number");
    }
    return served.offer(task, version, versionDir, null);
  }

  /** Offers a version with the metrics it was evaluated with (e.g. from its model event). */
  public SwapResult offer(String task, long version, Path dir, Map<String, Double> metrics) {
    return served.offer(task, version, dir, metrics);
  }

  public Lease acquire(String task, Long version, String label) {
    return served.acquire(task, version, label);
  }

  public ServedModels served() {
    return served;
  }

  public ModelRepository repository() {
    return repository;
  }

  private void record(SwapResult r) {
    meters
        .counter(
            "ppruning.serving.swaps",
            "task",
            r.task(),
            "outcome",
            r.accepted() ? "accepted" : "refused")
        .increment();
    if (r.accepted()) {
      versionGauges
          .computeIfAbsent(
              r.task(),
              t ->
                  meters.gauge(
                      "ppruning.serving.version",
                      List.of(io.micrometer.core.instrument.Tag.of("task", t)),
                      new AtomicLong()))
          .set(r.version());
      LOG.infof(
          "serving %s version %d (%s; loaded in %d ms, warm-up %d ms)",
          r.task(), r.version(), r.reason(), r.loadMillis(), r.warmMillis());
    } else {
      LOG.warnf(
          "refused %s version %d from %s: %s; still serving version %d",
          r.task(), r.version(), r.dir(), r.reason(), r.previous());
    }
  }

  @PreDestroy
  void stop() {
    if (scanner != null) {
      scanner.shutdownNow();
    }
    served.close();
  }
}
