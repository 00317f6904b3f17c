package org.ppruning.profiler;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jboss.logging.Logger;
import org.ppruning.stream.ProfilerEngine;
import org.ppruning.stream.RejectReason;
import org.ppruning.stream.SampleRecords;

/**
 * The consumer loop: sample records in, dead letters and summaries out, offsets committed only
 * after every record of a batch is acknowledged. Runs on one thread; {@link #stop} from any.
 *
 * <p>Batches are per partition and atomic: a batch is the next {@code batchSize} records of a
 * partition (fewer once {@code linger} has passed). Before profiling it, the loop commits the
 * batch's start offset with its end in the commit metadata ({@code ppruning-profiler batch-end=N});
 * after the acks it commits the end (carrying the next batch's plan when that batch is already
 * due, so back-to-back batches cost one commit each). The next batch is profiled while the
 * previous one's acks are outstanding, and sent only after that commit. A profiler that dies in
 * between (or loses the partition) is replaced by one that finds that plan and re-forms exactly the same batch, so the pruner sees the
 * same sample ids and recognises the redelivery instead of refusing an overlapping batch.
 */
final class SampleLoop {
    static final String PLAN_PREFIX = "ppruning-profiler batch-end=";
    private static final Logger LOG = Logger.getLogger(SampleLoop.class);

    /** Where and how the loop runs. */
    record Settings(String bootstrap, String group, String samplesTopic, String dlqTopic,
            String summariesTopic, int batchSize, Duration linger, int maxProducerBytes) {
        Settings {
            if (batchSize <= 0 || linger.isNegative()) {
                throw new IllegalArgumentException("batch-size must be > 0 (got " + batchSize
                        + ") and linger >= 0 (got " + linger + ")");
            }
        }
    }

    private final Settings settings;
    private final SampleRecords records;
    private final ProfilerEngine engine;
    private final MeterRegistry registry;
    private final AtomicLong lag;
    private final Timer batchLatency;
    private final Timer profileLatency;
    private final DistributionSummary summaryBytes;

    private final Map<TopicPartition, ArrayDeque<Pending>> pending = new HashMap<>();
    private final Map<TopicPartition, Long> plans = new HashMap<>(); // batch ends found at assignment
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    private final Set<TopicPartition> paused = new HashSet<>();
    private volatile boolean stop;
    private volatile boolean running;
    private volatile long firstRecordNanos; // 0 until a record arrived (for the benchmark)
    private volatile long lastCommitNanos;

    private record Pending(ConsumerRecord<byte[], byte[]> record, long arrivedNanos) {}

    SampleLoop(Settings settings, SampleRecords records, ProfilerEngine engine,
            MeterRegistry registry, AtomicLong lag) {
        this.settings = settings;
        this.records = records;
        this.engine = engine;
        this.registry = registry;
        this.lag = lag;
        this.batchLatency = batchLatency(registry);
        this.profileLatency = profileLatency(registry);
        this.summaryBytes = summaryBytes(registry);
    }

    /** Registers the meters that exist before the first batch (so dashboards see zeros). */
    static void registerMeters(MeterRegistry registry) {
        batchLatency(registry);
        profileLatency(registry);
        summaryBytes(registry);
        for (RejectReason r : RejectReason.values()) {
            registry.counter("ppruning.profiler.rejected", "reason", r.name());
        }
        registry.counter("ppruning.profiler.records");
        registry.counter("ppruning.profiler.replayed.batches");
    }

    private static Timer batchLatency(MeterRegistry registry) {
        return Timer.builder("ppruning.profiler.batch.latency")
                .description("Time from forming a batch to committing its offsets")
                .register(registry);
    }

    private static Timer profileLatency(MeterRegistry registry) {
        return Timer.builder("ppruning.profiler.profile.latency")
                .description("Time a batch spends in tokenizing, profile runs and summary building")
                .register(registry);
    }

    private static DistributionSummary summaryBytes(MeterRegistry registry) {
        return DistributionSummary.builder("ppruning.profiler.summary.bytes")
                .description("Size of the summary records produced").baseUnit("bytes")
                .register(registry);
    }

    /** Whether the consumer has joined its group and is polling. */
    boolean running() {
        return running;
    }

    /** {@link System#nanoTime} when the first record arrived, 0 before. */
    long firstRecordNanos() {
        return firstRecordNanos;
    }

    /** {@link System#nanoTime} of the last offset commit. */
    long lastCommitNanos() {
        return lastCommitNanos;
    }

    /**
     * Asks the loop to end after the current batch (within a poll interval, 100 ms): no wakeup,
     * which could interrupt the batch's final commit.
     */
    void stop() {
        stop = true;
    }

    /**
     * Consumes until {@link #stop}. Returns normally after a stop; throws on a Kafka failure
     * (nothing of the batch in hand is committed, so a restarted loop redoes it).
     */
    void run() throws InterruptedException, ExecutionException {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps());
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps())) {
            if (stop) {
                return;
            }
            c.subscribe(List.of(settings.samplesTopic()), new Rebalance(c));
            while (!stop) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                    if (firstRecordNanos == 0) {
                        firstRecordNanos = System.nanoTime();
                    }
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    pending.computeIfAbsent(tp, k -> new ArrayDeque<>())
                            .add(new Pending(r, System.nanoTime()));
                }
                for (TopicPartition tp : new ArrayList<>(pending.keySet())) {
                    drain(c, producer, tp);
                }
                flowControl(c);
                updateLag(c);
            }
        } finally {
            running = false;
            pending.clear();
            plans.clear();
            committed.clear();
            paused.clear();
        }
    }

    /** The next batch of {@code tp} if one is due, else null. */
    private List<ConsumerRecord<byte[], byte[]>> nextBatch(KafkaConsumer<byte[], byte[]> c,
            TopicPartition tp) {
        ArrayDeque<Pending> q = pending.get(tp);
        if (q == null || q.isEmpty()) {
            return null;
        }
        Long plan = plans.get(tp);
        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
        if (plan != null) {
            // All records below the planned end have been fetched once the position passed it.
            if (c.position(tp) < plan) {
                return null;
            }
            for (Pending p : q) {
                if (p.record().offset() >= plan) {
                    break;
                }
                batch.add(p.record());
            }
            if (batch.isEmpty()) { // the plan's records are gone (deleted by retention)
                plans.remove(tp);
                return nextBatch(c, tp);
            }
            return batch;
        }
        boolean lingered = System.nanoTime() - q.peekFirst().arrivedNanos()
                >= settings.linger().toNanos();
        if (q.size() < settings.batchSize() && !lingered) {
            return null;
        }
        for (Pending p : q) {
            if (batch.size() == settings.batchSize()) {
                break;
            }
            batch.add(p.record());
        }
        return batch;
    }

    /**
     * Profiles the due batches of {@code tp}, one after another, overlapping each batch's
     * profiling with the previous batch's acknowledgements: batch N's records are sent, batch
     * N+1 is profiled (pure computation, nothing sent), then N's acks are awaited and its end
     * committed with N+1's plan, and only then are N+1's records sent. So every record still
     * goes out after its batch's plan is committed, and every offset is committed after its
     * batch's acks.
     */
    private void drain(KafkaConsumer<byte[], byte[]> c, KafkaProducer<byte[], byte[]> producer,
            TopicPartition tp) throws InterruptedException, ExecutionException {
        List<ConsumerRecord<byte[], byte[]>> batch = stop ? null : nextBatch(c, tp);
        if (batch == null) {
            return;
        }
        long t0 = System.nanoTime();
        if (plans.containsKey(tp)) {
            registry.counter("ppruning.profiler.replayed.batches").increment();
            LOG.infof("re-forming batch %s offsets [%d, %d) from its commit plan", tp,
                    batch.get(0).offset(), end(batch));
        } else {
            c.commitSync(Map.of(tp, new OffsetAndMetadata(batch.get(0).offset(),
                    PLAN_PREFIX + end(batch))));
        }
        Prepared current = prepare(batch, t0);
        while (current != null) {
            List<Future<RecordMetadata>> acks = publish(producer, current);
            // The batch is out: the next one is formed from the records after it.
            plans.remove(tp);
            ArrayDeque<Pending> q = pending.get(tp);
            while (!q.isEmpty() && q.peekFirst().record().offset() < current.end()) {
                q.pollFirst();
            }
            List<ConsumerRecord<byte[], byte[]>> next = stop ? null : nextBatch(c, tp);
            Prepared following = next == null ? null : prepare(next, System.nanoTime());
            producer.flush();
            for (Future<RecordMetadata> f : acks) {
                f.get(); // a failed send throws: nothing is committed, the batch is redone
            }
            c.commitSync(Map.of(tp, new OffsetAndMetadata(current.end(), next == null ? ""
                    : PLAN_PREFIX + end(next))));
            lastCommitNanos = System.nanoTime();
            committed.put(tp, current.end());
            done(tp, current);
            current = following;
        }
    }

    /** A batch profiled and ready to send: nothing of it has left the process yet. */
    private record Prepared(List<ConsumerRecord<byte[], byte[]>> batch, long startedNanos,
            List<Letter> letters, ProfilerEngine.Result result) {
        long end() {
            return SampleLoop.end(batch);
        }
    }

    /** A record bound for the dead-letter topic. */
    private record Letter(ConsumerRecord<byte[], byte[]> record, RejectReason reason,
            String message) {}

    private static long end(List<ConsumerRecord<byte[], byte[]>> batch) {
        return batch.get(batch.size() - 1).offset() + 1;
    }

    /** Validates and profiles a batch; sends nothing. */
    private Prepared prepare(List<ConsumerRecord<byte[], byte[]>> batch, long t0) {
        List<ProfilerEngine.Item> items = new ArrayList<>();
        List<ConsumerRecord<byte[], byte[]>> itemRecord = new ArrayList<>();
        List<Letter> letters = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : batch) {
            SampleRecords.Parsed p = records.parse(r.key(), r.value());
            if (p instanceof SampleRecords.Accepted a) {
                items.add(new ProfilerEngine.Item(a.task(), a.sample()));
                itemRecord.add(r);
            } else {
                SampleRecords.Rejected x = (SampleRecords.Rejected) p;
                letters.add(new Letter(r, x.reason(), x.message()));
            }
        }
        long p0 = System.nanoTime();
        ProfilerEngine.Result result = engine.process(items);
        profileLatency.record(System.nanoTime() - p0, TimeUnit.NANOSECONDS);
        for (ProfilerEngine.Rejection x : result.rejected()) {
            letters.add(new Letter(itemRecord.get(x.index()), x.reason(), x.message()));
        }
        for (ProfilerEngine.Truncation t : result.truncated()) {
            ConsumerRecord<byte[], byte[]> r = itemRecord.get(t.index());
            registry.counter("ppruning.profiler.truncated", "task", t.task()).increment();
            LOG.warnf("sample '%s' of task '%s' (%s-%d@%d) truncated from %d to %d tokens",
                    t.sampleId(), t.task(), r.topic(), r.partition(), r.offset(), t.fullLength(),
                    t.keptLength());
        }
        return new Prepared(batch, t0, letters, result);
    }

    /** Sends a prepared batch's dead letters and summaries; returns their acknowledgements. */
    private List<Future<RecordMetadata>> publish(KafkaProducer<byte[], byte[]> producer,
            Prepared p) {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (Letter l : p.letters()) {
            acks.add(deadLetter(producer, l.record(), l.reason(), l.message()));
        }
        for (ProfilerEngine.TaskSummary s : p.result().summaries()) {
            byte[] key = s.task().getBytes(StandardCharsets.UTF_8);
            for (var rec : s.records()) {
                byte[] value = rec.toByteArray();
                summaryBytes.record(value.length);
                acks.add(producer.send(new ProducerRecord<>(settings.summariesTopic(), key, value)));
            }
        }
        return acks;
    }

    /** Counts a committed batch. */
    private void done(TopicPartition tp, Prepared p) {
        ProfilerEngine.Result result = p.result();
        for (ProfilerEngine.TaskSummary s : result.summaries()) {
            registry.counter("ppruning.profiler.samples", "task", s.task())
                    .increment(s.sampleIds().size());
            registry.counter("ppruning.profiler.summary.records", "task", s.task())
                    .increment(s.records().size());
        }
        registry.counter("ppruning.profiler.records").increment(p.batch().size());
        batchLatency.record(System.nanoTime() - p.startedNanos(), TimeUnit.NANOSECONDS);
        LOG.debugf("batch %s [%d, %d): %d profiled, %d rejected, %d summaries", tp,
                p.batch().get(0).offset(), p.end(), result.profiled(),
                p.batch().size() - result.profiled(), result.summaries().size());
    }

    private Future<RecordMetadata> deadLetter(KafkaProducer<byte[], byte[]> producer,
            ConsumerRecord<byte[], byte[]> r, RejectReason reason, String message) {
        registry.counter("ppruning.profiler.rejected", "reason", reason.name()).increment();
        LOG.infof("rejected %s-%d@%d: %s: %s", r.topic(), r.partition(), r.offset(), reason,
                message);
        RecordHeaders h = new RecordHeaders();
        for (Header original : r.headers()) {
            h.add(original);
        }
        h.add(DeadLetters.REASON, utf8(reason.name()));
        h.add(DeadLetters.MESSAGE, utf8(message));
        h.add(DeadLetters.SOURCE_TOPIC, utf8(r.topic()));
        h.add(DeadLetters.SOURCE_PARTITION, utf8(Integer.toString(r.partition())));
        h.add(DeadLetters.SOURCE_OFFSET, utf8(Long.toString(r.offset())));
        h.add(DeadLetters.SOURCE_TIMESTAMP, utf8(Long.toString(r.timestamp())));
        return producer.send(new ProducerRecord<>(settings.dlqTopic(), null, r.key(), r.value(), h));
    }

    /** Pauses partitions whose backlog is 4 batches deep, so memory stays bounded. */
    private void flowControl(KafkaConsumer<byte[], byte[]> c) {
        List<TopicPartition> pause = new ArrayList<>();
        List<TopicPartition> resume = new ArrayList<>();
        for (var e : pending.entrySet()) {
            // A planned batch is never paused: it may be larger than today's batch size.
            boolean full = e.getValue().size() >= 4 * settings.batchSize()
                    && !plans.containsKey(e.getKey());
            if (full && paused.add(e.getKey())) {
                pause.add(e.getKey());
            } else if (!full && paused.remove(e.getKey())) {
                resume.add(e.getKey());
            }
        }
        Set<TopicPartition> assigned = c.assignment();
        pause.retainAll(assigned);
        resume.retainAll(assigned);
        if (!pause.isEmpty()) {
            c.pause(pause);
        }
        if (!resume.isEmpty()) {
            c.resume(resume);
        }
    }

    /** Lag: records of the assigned partitions not committed yet (fetched or not). */
    private void updateLag(KafkaConsumer<byte[], byte[]> c) {
        long total = 0;
        for (TopicPartition tp : c.assignment()) {
            var behind = c.currentLag(tp);
            if (behind.isEmpty()) {
                continue;
            }
            long position = c.position(tp);
            long done = committed.getOrDefault(tp, position);
            total += behind.getAsLong() + (position - done);
        }
        lag.set(total);
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        private final KafkaConsumer<byte[], byte[]> c;

        Rebalance(KafkaConsumer<byte[], byte[]> c) {
            this.c = c;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> parts) {
            forget(parts);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> parts) {
            forget(parts);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> parts) {
            running = true; // joined the group (an instance may get no partition and be healthy)
            if (parts.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> found = c.committed(new HashSet<>(parts));
            for (TopicPartition tp : parts) {
                OffsetAndMetadata m = found.get(tp);
                if (m == null) {
                    continue;
                }
                committed.put(tp, m.offset());
                String meta = m.metadata();
                if (meta != null && meta.startsWith(PLAN_PREFIX)) {
                    long end = Long.parseLong(meta.substring(PLAN_PREFIX.length()));
                    if (end > m.offset()) {
                        plans.put(tp, end);
                        LOG.infof("partition %s: a batch [%d, %d) was started and not committed;"
                                + " it will be redone as it was", tp, m.offset(), end);
                    }
                }
            }
        }

        private void forget(Collection<TopicPartition> parts) {
            for (TopicPartition tp : parts) {
                pending.remove(tp);
                plans.remove(tp);
                committed.remove(tp);
                paused.remove(tp);
            }
        }
    }

    private Properties consumerProps() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.group());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.max(4 * settings.batchSize(), 100));
        return p;
    }

    private Properties producerProps() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, settings.maxProducerBytes());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
