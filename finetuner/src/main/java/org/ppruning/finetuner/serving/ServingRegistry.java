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
import org.ppruning.serve.Lease;
import org.ppruning.serve.ServedModels;
import org.ppruning.serve.SwapPolicy;
import org.ppruning.serve.SwapResult;
import org.ppruning.stream.ModelRepository;

/**
 * The service's served models: core's {@link ServedModels} over the configured repository, scanned
 * at start and every {@code scan-interval}. A new version is announced with {@link #offer(String,
 * Path)}; every swap or refusal is logged and counted ({@code
 * ppruning_serving_swaps_total{task,outcome}}, {@code ppruning_serving_version{task}}).
 */
@Startup
@ApplicationScoped
public class ServingRegistry {
  private static final Logger LOG = Logger.getLogger(ServingRegistry.class);

  private final ModelRepository repository;
  private final ServedModels served;
  private final MeterRegistry meters;
  private final Map<String, AtomicLong> versionGauges = new ConcurrentHashMap<>();
  private final ScheduledExecutorService scanner;

  ServingRegistry(FinetunerConfig config, MeterRegistry meters) {
    FinetunerConfig.Serving c = config.serving();
    this.meters = meters;
    this.repository = new ModelRepository(c.repository());
    SwapPolicy policy = new SwapPolicy(c.refuseWorseMetric().orElse(null), c.metricTolerance());
    this.served = new ServedModels(policy, c.limits().maxTokensPerText(), this::record);
    scan();
    long every = c.scanInterval().toMillis();
    if (every > 0) {
      scanner =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "serving-repository-scan");
                t.setDaemon(true);
                return t;
              });
      scanner.scheduleWithFixedDelay(this::scan, every, every, TimeUnit.MILLISECONDS);
    } else {
      scanner = null;
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
