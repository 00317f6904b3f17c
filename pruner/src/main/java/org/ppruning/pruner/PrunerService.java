package org.ppruning.pruner;

import org.ppruning.service.ServiceIdentity;
import com.google.protobuf.InvalidProtocolBufferException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TransformerModel;
import org.ppruning.pruning.run.Method;
import org.ppruning.pruning.run.PruneSettings;
import org.ppruning.stream.ModelEvent;
import org.ppruning.stream.ModelRepository;
import org.ppruning.stream.PrunerCheckpoint.Partition;
import org.ppruning.stream.PrunerEngine;
import org.ppruning.summary.proto.ActivationSummary;

/**
 * The Kafka adapter around {@link PrunerEngine}: one consumer thread (group {@code
 * ppruning-pruner}) reads summaries, the engine merges them; when a task is due, the assigned
 * partitions are paused and the pruning runs on a second thread while the consumer keeps polling
 * (so the group does not evict it). Model events go out on an idempotent producer; the
 * checkpoint is written every N records or T seconds, after every version and at shutdown.
 */
@ApplicationScoped
public class PrunerService implements ServiceIdentity {
  private static final Logger LOG = Logger.getLogger(PrunerService.class);
  static final String CHECKPOINT = "checkpoint.bin";

  private final PrunerConfig config;
  private final MeterRegistry meters;
  private final String bootstrap;
  private final Map<String, PrunerEngine.Base> bases = new ConcurrentHashMap<>();
  private final Set<String> metered = ConcurrentHashMap.newKeySet();
  private final ExecutorService pruning = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "pruner-recluster");
    t.setDaemon(true);
    return t;
  });

  private volatile PrunerEngine engine;
  private volatile Thread thread;
  private volatile boolean running;
  private volatile String state = "starting";
  private volatile String problem;
  private volatile KafkaConsumer<String, byte[]> consumer;

  PrunerService(PrunerConfig config, MeterRegistry meters,
      @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
    this.config = config;
    this.meters = meters;
    this.bootstrap = config.kafka().bootstrapServers().orElse(bootstrap);
  }

  void start(@Observes StartupEvent ev) {
    if (!config.kafka().enabled()) {
      state = "disabled";
      return;
    }
    running = true;
    thread = new Thread(this::run, "pruner-consumer");
    thread.start();
  }

  void stop(@Observes ShutdownEvent ev) throws InterruptedException {
    running = false;
    KafkaConsumer<String, byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    if (thread != null) {
      thread.join(60_000);
    }
    pruning.shutdownNow();
  }

  @Override
  public String name() {
    return "pruner";
  }

  @Override
  public Path workDir() {
    return config.workDir();
  }

  /** Readiness: disabled, starting, loading, running or failed. */
  String state() {
    return state;
  }

  String problem() {
    return problem;
  }

  PrunerEngine engine() {
    return engine;
  }

  private void run() {
    try {
      state = "loading";
      PruneSettings prune = PruneSettings.builder().method(Method.of(config.method()))
          .linkage(PruneSettings.linkage(config.linkage())).flopsKeep(config.flopsKeep())
          .lambda(config.lambda()).seed(config.seed()).tokens(config.tokens()).build();
      PrunerEngine.Settings settings = new PrunerEngine.Settings(prune, config.minSamples(),
          config.everySamples(), config.minChange());
      base(config.defaultModel()); // the default model is loaded before anything is read
      Path file = config.stateDir().resolve(CHECKPOINT);
      engine = PrunerEngine.open(file, new ModelRepository(config.repository()), settings,
          task -> base(config.models().getOrDefault(task, config.defaultModel())));
      engine.tasks().forEach(this::meter);
      LOG.infof("pruner: state restored from %s: %s, offsets %s", file, engine.tasks(),
          engine.offsets());
      createTopics();
      consume(file);
      state = "stopped";
    } catch (Throwable e) {
      problem = e.toString();
      state = "failed";
      LOG.error("pruner stopped", e);
    }
  }

  private PrunerEngine.Base base(String model) throws IOException {
    PrunerEngine.Base b = bases.get(model);
    if (b != null) {
      return b;
    }
    LOG.infof("pruner: loading base model %s", model);
    try (TransformerModel m = ModelLoader.open(model, ArtifactCache.defaultCache())) {
      if (m.tokenizerJson() == null) {
        throw new IllegalArgumentException("base model " + model + " has no tokenizer");
      }
      b = new PrunerEngine.Base(model, m.spec(), m.readWeights(), m.tokenizerJson());
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("cannot load base model " + model + ": " + e.getMessage(), e);
    }
    bases.put(model, b);
    return b;
  }

  private void createTopics() throws InterruptedException, ExecutionException {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      Set<String> have = admin.listTopics().names().get();
      for (String t : List.of(config.kafka().summariesTopic(), config.kafka().modelsTopic())) {
        if (!have.contains(t)) {
          try {
            admin.createTopics(List.of(new NewTopic(t, java.util.Optional.of(
                config.kafka().partitions()), java.util.Optional.empty()))).all().get();
            LOG.infof("pruner: created topic %s", t);
          } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
              throw e;
            }
          }
        }
      }
    }
  }

  private void consume(Path checkpointFile) throws Exception {
    Properties cp = new Properties();
    cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    cp.put(ConsumerConfig.GROUP_ID_CONFIG, config.kafka().group());
    cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    cp.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
    cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    cp.putAll(config.kafka().consumer());
    Properties pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    pp.put(ProducerConfig.ACKS_CONFIG, "all");
    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    pp.putAll(config.kafka().producer());

    ArrayDeque<ConsumerRecord<String, byte[]>> pending = new ArrayDeque<>();
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(cp);
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(pp)) {
      consumer = c;
      Loop loop = new Loop(c, producer, pending, checkpointFile);
      c.subscribe(List.of(config.kafka().summariesTopic()), loop);
      state = "running";
      try {
        while (running) {
          loop.step();
        }
      } catch (WakeupException e) {
        // shutdown: finish and save below
      }
      loop.finishJob(true);
      loop.checkpoint();
    } finally {
      consumer = null;
    }
  }

  /** The poll loop's state: pending records, the running re-clustering, unsaved progress. */
  private final class Loop implements ConsumerRebalanceListener {
    final KafkaConsumer<String, byte[]> c;
    final KafkaProducer<String, byte[]> producer;
    final ArrayDeque<ConsumerRecord<String, byte[]>> pending;
    final Path file;
    Future<PrunerEngine.Pruned> job;
    int unsaved;
    long savedAt = System.nanoTime();

    Loop(KafkaConsumer<String, byte[]> c, KafkaProducer<String, byte[]> producer,
        ArrayDeque<ConsumerRecord<String, byte[]>> pending, Path file) {
      this.c = c;
      this.producer = producer;
      this.pending = pending;
      this.file = file;
    }

    void step() throws Exception {
      for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
        pending.add(r);
      }
      finishJob(false);
      while (job == null && !pending.isEmpty()) {
        ConsumerRecord<String, byte[]> r = pending.poll();
        String task = handle(r);
        unsaved++;
        if (task != null && engine.due(task)) {
          c.pause(c.assignment());
          job = pruning.submit(() -> engine.prune(task));
        }
      }
      if (job == null && unsaved > 0 && (unsaved >= config.checkpoint().everySummaries()
          || System.nanoTime() - savedAt >= config.checkpoint().interval().toNanos())) {
        checkpoint();
      }
    }

    /** Merges one record; returns its task if it was merged. */
    String handle(ConsumerRecord<String, byte[]> r) throws IOException {
      Partition from = new Partition(r.topic(), r.partition());
      ActivationSummary s;
      try {
        s = ActivationSummary.parseFrom(r.value());
      } catch (InvalidProtocolBufferException | NullPointerException e) {
        engine.skip(from, r.offset());
        reject("unreadable", from + "@" + r.offset() + " is not an ActivationSummary: " + e);
        return null;
      }
      PrunerEngine.Accepted a;
      try {
        a = engine.accept(r.key(), s, from, r.offset());
      } catch (IOException e) { // the task's own base model (models.<task>) does not load
        reject("base-model", from + "@" + r.offset() + " of task '" + s.getConfig().getTask()
            + "': " + e.getMessage());
        return null;
      }
      meters.counter("ppruning.pruner.summaries", "outcome",
          a.outcome().name().toLowerCase()).increment();
      if (a.outcome() == PrunerEngine.Outcome.REJECTED) {
        reject(a.reason(), from + "@" + r.offset() + ": " + a.detail());
        return null;
      }
      meter(a.task());
      if (a.outcome() == PrunerEngine.Outcome.REDELIVERED) {
        LOG.infof("pruner: %s@%d redelivers a batch of task %s: not counted again", from,
            r.offset(), a.task());
      }
      return a.task();
    }

    void reject(String reason, String detail) {
      meters.counter("ppruning.pruner.summaries.rejected", "reason", reason).increment();
      LOG.warnf("pruner: summary rejected (%s): %s", reason, detail);
    }

    /** Collects a finished re-clustering (or waits for it): event, checkpoint, resume. */
    void finishJob(boolean wait) throws Exception {
      if (job == null || (!wait && !job.isDone())) {
        return;
      }
      Future<PrunerEngine.Pruned> f = job;
      job = null;
      try {
        PrunerEngine.Pruned p = f.get();
        String task = p.task();
        meters.timer("ppruning.pruner.recluster", "task", task)
            .record(Duration.ofNanos((long) (p.seconds() * 1e9)));
        LOG.infof("pruner: re-clustered %s at %d samples in %.1f s: change %.4f, %s", task,
            p.samples(), p.seconds(), p.change(), p.written() ? "wrote version " + p.version()
                : "no new version (latest " + p.version() + ")");
        if (p.written()) {
          meters.counter("ppruning.pruner.versions.written", "task", task).increment();
        }
        if (p.event() != null) {
          producer.send(new ProducerRecord<>(config.kafka().modelsTopic(), task,
              p.event().toJson())).get();
          engine.published(task, p.event().version());
        }
      } catch (ExecutionException e) {
        // A failed re-clustering waits for the next every-samples (the engine moved prunedAt).
        meters.counter("ppruning.pruner.recluster.failures").increment();
        LOG.error("pruner: re-clustering failed", e.getCause());
      }
      checkpoint();
      c.resume(c.assignment());
    }

    void checkpoint() throws IOException {
      engine.checkpoint().write(file);
      Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
      Set<TopicPartition> mine = new HashSet<>(c.assignment());
      engine.offsets().forEach((p, next) -> {
        TopicPartition tp = new TopicPartition(p.topic(), p.partition());
        if (mine.contains(tp)) {
          commit.put(tp, new OffsetAndMetadata(next));
        }
      });
      if (!commit.isEmpty()) {
        c.commitAsync(commit, null); // for lag monitoring; the checkpoint is what counts
      }
      unsaved = 0;
      savedAt = System.nanoTime();
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> parts) {
      Map<Partition, Long> offsets = engine.offsets();
      for (TopicPartition tp : parts) {
        Long next = offsets.get(new Partition(tp.topic(), tp.partition()));
        if (next != null) {
          c.seek(tp, next);
        } else {
          c.seekToBeginning(List.of(tp));
        }
      }
      if (job != null) {
        c.pause(parts);
      }
      LOG.infof("pruner: assigned %s, resuming at checkpointed offsets %s", parts, offsets);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> parts) {
      // Records not merged yet are read again by whoever gets the partition next.
      pending.removeIf(r -> parts.contains(new TopicPartition(r.topic(), r.partition())));
      if (job == null) {
        try {
          checkpoint();
        } catch (IOException e) {
          LOG.error("pruner: checkpoint on revocation failed", e);
        }
      }
    }
  }

  /** Registers the per-task gauges once. */
  private void meter(String task) {
    if (task == null || !metered.add(task)) {
      return;
    }
    Gauge.builder("ppruning.pruner.samples", () -> engine.samples(task)).tag("task", task)
        .description("samples merged").register(meters);
    Gauge.builder("ppruning.pruner.recluster.last.timestamp", () -> engine.lastPruneMillis(task)
        / 1000.0).tag("task", task).baseUnit("seconds")
        .description("when the task was last re-clustered (0: not since start)").register(meters);
    Gauge.builder("ppruning.pruner.recluster.last.duration", () -> engine.lastPruneSeconds(task))
        .tag("task", task).baseUnit("seconds").description("how long it took").register(meters);
    Gauge.builder("ppruning.pruner.versions", () -> latest(task)).tag("task", task)
        .description("latest version in the repository").register(meters);
  }

  private double latest(String task) {
    try {
      return engine.repository().latest(task).orElse(0);
    } catch (IOException e) {
      return Double.NaN;
    }
  }
}
