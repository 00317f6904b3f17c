package org.ppruning.finetuner;

import org.ppruning.service.ServiceIdentity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.ppruning.importer.ModelLoader;
import org.ppruning.data.Split;
import org.ppruning.data.Task;
import org.ppruning.data.TaskData;
import org.ppruning.data.Tasks;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.finetuner.serving.ServingRegistry;
import org.ppruning.graph.TransformerModel;
import org.ppruning.serve.SwapResult;
import org.ppruning.stream.CommitTracker;
import org.ppruning.stream.LatestPerKey;
import org.ppruning.stream.ModelEvent;
import org.ppruning.stream.ModelRepository;
import org.ppruning.stream.Topics;
import org.ppruning.train.Distillation;
import org.ppruning.train.FineTuning;
import org.ppruning.train.Trainer;

/**
 * Fine-tunes every new pruned version announced on {@link Topics#MODELS}: one job at a time, a
 * newer version of a task supersedes its waiting one, the result goes to the serving repository
 * as the task's next version and is announced as a {@code finetuned} event. An event's offset is
 * committed only once its job finished or was superseded, so a crash re-runs the job instead of
 * losing it; a version already fine-tuned (same parent in the repository) is not trained twice.
 */
@ApplicationScoped
public class TrainingLoop implements ServiceIdentity {
  private static final Logger LOG = Logger.getLogger(TrainingLoop.class);

  /** A pruned-version event and where it came from. */
  record Job(ModelEvent event, int partition, long offset) {}

  private final FinetunerConfig.Training config;
  private final Path workDir;
  private final ServingRegistry serving;
  private final String bootstrap;
  private final MeterRegistry metrics;
  private final LatestPerKey<String, Job> queue = new LatestPerKey<>();
  private final CommitTracker commits = new CommitTracker();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicReference<String> current = new AtomicReference<>("");
  private volatile boolean stopping;
  private Thread poller;
  private Thread worker;
  private KafkaConsumer<String, byte[]> consumer;
  private KafkaProducer<String, byte[]> producer;
  private ModelRepository repository;
  private Counter jobsDone;
  private Counter jobsFailed;
  private Counter superseded;

  TrainingLoop(FinetunerConfig config, ServingRegistry serving, MeterRegistry metrics,
      @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "localhost:9092")
      String bootstrap) {
    this.config = config.training();
    this.workDir = config.workDir();
    this.serving = serving;
    this.metrics = metrics;
    this.bootstrap = bootstrap;
  }

  @Override
  public String name() {
    return "finetuner";
  }

  @Override
  public Path workDir() {
    return workDir;
  }

  /** The serving repository fine-tuned versions are written to (the one the registry serves). */
  public ModelRepository repository() {
    return serving.repository();
  }

  void start(@Observes StartupEvent ev) {
    repository = serving.repository();
    metrics.gauge("ppruning.finetuner.jobs.running", running);
    metrics.gauge("ppruning.finetuner.jobs.waiting", queue, LatestPerKey::size);
    jobsDone = metrics.counter("ppruning.finetuner.jobs", "outcome", "done");
    jobsFailed = metrics.counter("ppruning.finetuner.jobs", "outcome", "failed");
    superseded = metrics.counter("ppruning.finetuner.jobs", "outcome", "superseded");
    if (!config.enabled()) {
      LOG.info("training disabled (ppruning.finetuner.training.enabled=false): serving only");
      return;
    }
    float weight = config.distillWeight();
    if (config.teacher().isPresent() && !(weight > 0 && Float.isFinite(weight))) {
      throw new IllegalArgumentException("ppruning.finetuner.training.distill-weight must be a"
          + " finite number > 0 when a teacher is set, got " + weight);
    }
    ensureTopic();
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    poller = new Thread(this::poll, "finetuner-events");
    worker = new Thread(this::work, "finetuner-training");
    poller.start();
    worker.start();
    LOG.infof("fine-tuning new pruned versions from %s on %s into %s", Topics.MODELS, bootstrap,
        repository.root());
  }

  /** The broker does not create topics on first use (deploy/kafka): create ours if missing. */
  private void ensureTopic() {
    Properties a = new Properties();
    a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(a)) {
      admin.createTopics(List.of(new NewTopic(Topics.MODELS, Optional.empty(), Optional.empty())))
          .all().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("cannot create topic " + Topics.MODELS + " on "
            + bootstrap + ": " + e.getCause().getMessage(), e.getCause());
      }
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException("broker " + bootstrap + " did not answer within 60 s while"
          + " creating " + Topics.MODELS, e);
    }
  }

  void stop(@Observes ShutdownEvent ev) throws InterruptedException {
    stopping = true;
    if (consumer != null) {
      consumer.wakeup();
      poller.join(10_000);
      worker.interrupt();
      worker.join(10_000);
      producer.close(Duration.ofSeconds(5));
    }
  }

  private void poll() {
    consumer.subscribe(List.of(Topics.MODELS), new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> parts) {
        commit();
        parts.forEach(tp -> commits.forget(tp.partition()));
      }

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> parts) {}
    });
    try {
      while (!stopping) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          commits.started(r.partition(), r.offset());
          accept(r).ifPresentOrElse(job -> queue.offer(job.event().task(), job)
              .ifPresent(old -> {
                LOG.infof("%s version %d superseded by version %d before training",
                    old.event().task(), old.event().version(), job.event().version());
                superseded.increment();
                commits.finished(old.partition(), old.offset());
              }), () -> commits.finished(r.partition(), r.offset()));
        }
        commit();
      }
    } catch (WakeupException e) {
      if (!stopping) {
        throw e;
      }
    } finally {
      commit();
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** The job for a record, or empty for records that need no training (logged). */
  private Optional<Job> accept(ConsumerRecord<String, byte[]> r) {
    ModelEvent e;
    try {
      e = ModelEvent.fromJson(r.value());
    } catch (IllegalArgumentException ex) {
      LOG.warnf("skipping %s-%d@%d: %s", r.topic(), r.partition(), r.offset(), ex.getMessage());
      return Optional.empty();
    }
    if (!ModelEvent.PRUNED.equals(e.stage())) {
      return Optional.empty(); // our own fine-tuned announcements
    }
    return Optional.of(new Job(e, r.partition(), r.offset()));
  }

  private void commit() {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition tp : consumer.assignment()) {
      commits.committable(tp.partition())
          .ifPresent(o -> offsets.put(tp, new OffsetAndMetadata(o)));
    }
    if (!offsets.isEmpty()) {
      consumer.commitSync(offsets);
    }
  }

  private void work() {
    while (!stopping) {
      Optional<Map.Entry<String, Job>> next;
      try {
        next = queue.poll(500, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (next.isEmpty()) {
        continue;
      }
      Job job = next.get().getValue();
      running.incrementAndGet();
      current.set(job.event().task() + " v" + job.event().version());
      try {
        train(job.event()).ifPresent(this::publish);
        jobsDone.increment();
      } catch (Exception e) {
        jobsFailed.increment();
        LOG.errorf(e, "fine-tuning %s version %d (%s) failed: %s", job.event().task(),
            job.event().version(), job.event().path(), e.getMessage());
      } finally {
        running.decrementAndGet();
        current.set("");
        commits.finished(job.partition(), job.offset());
      }
    }
  }

  /** The configured teacher, read for each job (a job every few minutes at most). */
  private Distillation teacher(ArtifactCache cache) throws IOException {
    String name = config.teacher().orElseThrow();
    try (TransformerModel t = ModelLoader.open(name, cache)) {
      return new Distillation(t.spec(), t.readWeights(), config.distillWeight(),
          config.distillDecay());
    } catch (Exception e) { // any failure names the setting it came from
      throw new IOException("cannot load the teacher " + name
          + " (ppruning.finetuner.training.teacher): " + e.getMessage(), e);
    }
  }

  /** Fine-tunes one pruned version; empty if the repository already holds its fine-tuned one. */
  Optional<ModelEvent> train(ModelEvent pruned) throws IOException {
    String task = pruned.task();
    Optional<Long> done = versionWithParent(task, pruned.path());
    if (done.isPresent()) {
      LOG.infof("%s: %s was already fine-tuned as version %d; not training it again", task,
          pruned.path(), done.get());
      return Optional.empty();
    }
    Task data = Tasks.task(config.dataset().orElse(task));
    Trainer.Config tc = Trainer.Config.defaults(config.epochs(), config.lr(), config.batch(),
        config.maxLen(), config.seed());
    ArtifactCache cache = ArtifactCache.defaultCache();
    TaskData splits = TaskData.load(data.name(), null, cache, System.err);
    Path source = Path.of(URI.create(pruned.path()));
    long version = repository.nextVersion(task);
    AtomicReference<FineTuning.Outcome> outcome = new AtomicReference<>();
    Map<String, Double> testMetrics = new HashMap<>();
    Distillation distill = config.teacher().isEmpty() ? null : teacher(cache);
    try (TransformerModel base = TransformerModel.load(source)) {
      Path written = repository.write(task, version, dir -> {
        outcome.set(FineTuning.run(base, source.toString(), data, splits, tc, null, distill, null,
            null, dir, false, System.err));
        if (outcome.get().result().failure() != null) {
          throw new IOException(outcome.get().result().failure());
        }
        try (TransformerModel tuned = TransformerModel.load(dir)) {
          testMetrics.putAll(FineTuning.evaluate(tuned, splits, Split.TEST, tc.maxLength(),
              tc.seed(), tc.batchSize()));
        }
        Path parent = dir.resolve("assets").resolve("parent.txt");
        Files.writeString(parent, pruned.path() + "\n");
      });
      // Served now if it loads, warms up and passes the swap policy (compared on test metrics).
      SwapResult swap = serving.offer(task, version, written, testMetrics);
      Map<String, Double> m = new HashMap<>();
      testMetrics.forEach((k, v) -> m.put("test_" + k, v));
      if (outcome.get().devValue() != null) {
        m.put("dev_" + outcome.get().metric(), outcome.get().devValue());
      }
      return Optional.of(new ModelEvent(ModelEvent.FINETUNED, task, version,
          written.toUri().toString(), pruned.path(), pruned.layers(), pruned.flopsKept(),
          pruned.paramsKept(), outcome.get().trainRows(),
          "fine-tuned pruned version " + pruned.version() + " on " + data.name() + " (best epoch "
              + outcome.get().result().bestEpoch() + "); "
              + (swap.accepted() ? "serving it" : "NOT served: " + swap.reason()), m,
          Instant.now().toString()));
    }
  }

  /** The repository version fine-tuned from {@code parentUri}, if any. */
  private Optional<Long> versionWithParent(String task, String parentUri) throws IOException {
    for (long v : repository.versions(task)) {
      Path f = repository.path(task, v).resolve("assets").resolve("parent.txt");
      if (Files.isRegularFile(f)
          && Files.readString(f).strip().equals(parentUri)) {
        return Optional.of(v);
      }
    }
    return Optional.empty();
  }

  private void publish(ModelEvent e) {
    try {
      producer.send(new ProducerRecord<>(Topics.MODELS, e.task(), e.toJson())).get();
      LOG.infof("%s: fine-tuned version %d written to %s: %s", e.task(), e.version(), e.path(),
          e.metrics());
    } catch (Exception ex) {
      throw new IllegalStateException("cannot publish " + e.task() + " version " + e.version()
          + " to " + Topics.MODELS + ": " + ex.getMessage(), ex);
    }
  }

  /** What is training right now ("" when idle). */
  public String current() {
    return current.get();
  }
}
