package org.ppruning.profiler;

import java.nio.file.Path;
import org.ppruning.service.ServiceIdentity;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.ppruning.importer.ModelLoader;
import org.ppruning.fetch.ArtifactCache;
import org.ppruning.graph.TransformerModel;
import org.ppruning.stream.ProfilerEngine;
import org.ppruning.stream.SampleRecords;
import org.ppruning.tokenize.TextTokenizer;

/**
 * Runs the profiler on one managed thread: loads the task models (readiness stays DOWN until
 * they are), creates missing topics, then runs {@link SampleLoop}, starting it again after a
 * Kafka failure. All profiling logic is in core ({@link ProfilerEngine}, {@link SampleRecords}).
 */
@ApplicationScoped
public class ProfilerService implements ServiceIdentity {
    private static final Logger LOG = Logger.getLogger(ProfilerService.class);

    /** Where the service is. */
    public enum Phase { LOADING_MODELS, STARTING, CONSUMING, RESTARTING, FAILED, STOPPED }

    private final ProfilerConfig config;
    private final MeterRegistry registry;
    private final String bootstrap;
    private final AtomicLong lag = new AtomicLong();
    private volatile Phase phase = Phase.LOADING_MODELS;
    private volatile String problem;
    private volatile Map<String, String> loadedModels = Map.of();
    private volatile SampleLoop loop;
    private volatile boolean stopping;
    private Thread worker;
    private final List<AutoCloseable> owned = new ArrayList<>();

    ProfilerService(ProfilerConfig config, MeterRegistry registry,
            @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "localhost:9092")
            String bootstrap) {
        this.config = config;
        this.registry = registry;
        this.bootstrap = bootstrap;
    }

    void onStart(@Observes StartupEvent e) {
        Gauge.builder("ppruning.profiler.consumer.lag", lag, AtomicLong::get)
                .description("Sample records of the assigned partitions not yet committed")
                .register(registry);
        SampleLoop.registerMeters(registry);
        registry.counter("ppruning.profiler.restarts");
        worker = new Thread(this::work, "ppruning-profiler");
        worker.start();
    }

    void onStop(@Observes ShutdownEvent e) throws InterruptedException {
        stopping = true;
        SampleLoop l = loop;
        if (l != null) {
            l.stop();
        }
        if (worker != null) {
            if (phase == Phase.RESTARTING) {
                worker.interrupt(); // ends the back-off; a batch in hand is finished, not interrupted
            }
            worker.join(60_000);
        }
        synchronized (owned) {
            for (AutoCloseable c : owned) {
                try {
                    c.close();
                } catch (Exception ex) {
                    LOG.warn("closing " + c, ex);
                }
            }
            owned.clear();
        }
        phase = Phase.STOPPED;
    }

    @Override
    public String name() {
        return "profiler";
    }

    @Override
    public Path workDir() {
        return config.workDir();
    }

    public Phase phase() {
        return phase;
    }

    /** Why the service is not consuming (a model that failed to load, the last Kafka error). */
    public String problem() {
        return problem;
    }

    /** Task -> model, once loaded. */
    public Map<String, String> models() {
        return loadedModels;
    }

    /** Models loaded and the consumer subscribed and polling. */
    public boolean ready() {
        SampleLoop l = loop;
        return phase == Phase.CONSUMING && l != null && l.running();
    }

    private void work() {
        ProfilerEngine.Settings s;
        SampleLoop.Settings ls;
        SampleRecords records;
        try {
            s = new ProfilerEngine.Settings(config.seed(), config.tokens(), config.runSize(),
                    config.maxSummaryBytes(), ProfilerEngine.TooLong.parse(config.tooLong()));
            ls = new SampleLoop.Settings(bootstrap, config.group(), config.topics().samples(),
                    config.topics().dlq(), config.topics().summaries(), config.batchSize(),
                    config.linger(), producerBytes());
            records = new SampleRecords(new HashSet<>(config.knownTasks()), config.maxRecordBytes());
        } catch (IllegalArgumentException ex) {
            fail("invalid ppruning.profiler settings: " + ex.getMessage(), ex);
            return;
        }
        ProfilerEngine engine;
        try {
            engine = new ProfilerEngine(loadModels(), s);
        } catch (Exception ex) {
            fail("cannot load the task models: " + ex.getMessage(), ex);
            return;
        }
        while (!stopping) {
            try {
                phase = Phase.STARTING;
                createTopics();
                loop = new SampleLoop(ls, records, engine, registry, lag);
                phase = Phase.CONSUMING;
                problem = null;
                loop.run();
            } catch (InterruptedException ex) {
                break;
            } catch (Exception ex) {
                if (stopping) {
                    break;
                }
                phase = Phase.RESTARTING;
                problem = ex.toString();
                registry.counter("ppruning.profiler.restarts").increment();
                LOG.errorf(ex, "consumer loop failed; nothing of the batch in hand was committed;"
                        + " starting again in %s", config.restartBackoff());
                try {
                    Thread.sleep(config.restartBackoff().toMillis());
                } catch (InterruptedException ie) {
                    break;
                }
            }
        }
        phase = Phase.STOPPED;
    }

    private Map<String, ProfilerEngine.TaskModel> loadModels() throws Exception {
        Map<String, String> byTask = new LinkedHashMap<>();
        for (String task : config.knownTasks()) {
            byTask.put(task, config.models().getOrDefault(task, config.defaultModel()));
        }
        for (String task : config.models().keySet()) {
            if (!byTask.containsKey(task)) {
                throw new IllegalArgumentException("ppruning.profiler.models." + task
                        + " names a task that is not in ppruning.profiler.known-tasks "
                        + config.knownTasks());
            }
        }
        Map<String, ProfilerEngine.TaskModel> open = new HashMap<>();
        Map<String, ProfilerEngine.TaskModel> out = new HashMap<>();
        ArtifactCache cache = ArtifactCache.defaultCache();
        for (var e : byTask.entrySet()) {
            ProfilerEngine.TaskModel m = open.get(e.getValue());
            if (m == null) {
                LOG.infof("loading model %s", e.getValue());
                TransformerModel model = ModelLoader.open(e.getValue(), cache);
                synchronized (owned) {
                    owned.add(model);
                }
                if (model.tokenizerJson() == null) {
                    throw new IllegalArgumentException("model " + e.getValue()
                            + " has no tokenizer; import it with one");
                }
                TextTokenizer tok = TextTokenizer.load(model.tokenizerJson());
                synchronized (owned) {
                    owned.add(tok);
                }
                m = new ProfilerEngine.TaskModel(model, tok);
                open.put(e.getValue(), m);
            }
            out.put(e.getKey(), m);
        }
        loadedModels = Map.copyOf(byTask);
        LOG.infof("models loaded: %s", byTask);
        return out;
    }

    /** Room for the largest summary or dead letter plus headers. */
    private int producerBytes() {
        return Math.max(config.maxSummaryBytes(), config.maxRecordBytes()) + (64 << 10);
    }

    private void createTopics() throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        try (Admin admin = Admin.create(p)) {
            Set<String> existing = admin.listTopics().names().get();
            String limit = Integer.toString(producerBytes());
            List<NewTopic> missing = new ArrayList<>();
            for (String t : List.of(config.topics().samples(), config.topics().dlq(),
                    config.topics().summaries())) {
                if (!existing.contains(t)) {
                    NewTopic nt = new NewTopic(t, config.partitions(), config.replicationFactor());
                    if (!t.equals(config.topics().samples())) {
                        nt.configs(Map.of("max.message.bytes", limit));
                    }
                    missing.add(nt);
                }
            }
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get();
                    LOG.infof("created topics %s", missing.stream().map(NewTopic::name).toList());
                } catch (java.util.concurrent.ExecutionException ex) {
                    if (!(ex.getCause()
                            instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                        throw ex;
                    }
                }
            }
        }
    }

    private void fail(String message, Exception ex) {
        problem = message;
        phase = Phase.FAILED;
        LOG.error(message, ex);
    }
}
