package org.ppruning.finetuner;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.jboss.logging.Logger;
import org.ppruning.stream.CommitTracker;

/**
 * The event poller's offsets: what core's {@link CommitTracker} says is safe, committed after each
 * poll and on revocation. A commit that fails for a retriable reason (a timeout during a broker
 * outage, a rebalance) is logged and counted ({@code ppruning_finetuner_commit_failures_total}) and
 * goes with the next commit; it does not end the poller. Each revocation and assignment starts a
 * new epoch of the partition, so a job read before it releases nothing afterwards.
 */
final class EventCommits {
  private static final Logger LOG = Logger.getLogger(EventCommits.class);

  private final CommitTracker tracker;
  private final String topic;
  private final Counter failures;

  EventCommits(CommitTracker tracker, String topic, MeterRegistry metrics) {
    this.tracker = tracker;
    this.topic = topic;
    this.failures = metrics.counter("ppruning.finetuner.commit.failures");
  }

  /** Commits what is safe before a revocation, then forgets; forgets again on assignment. */
  ConsumerRebalanceListener listener(KafkaConsumer<String, byte[]> c) {
    return new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> parts) {
        try {
          commit(c);
        } catch (RuntimeException e) { // not committed: those records are read again
          LOG.warnf("cannot commit %s on revocation: %s", parts, e);
        }
        parts.forEach(tp -> tracker.forget(tp.partition()));
      }

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> parts) {
        // A new epoch: jobs read before (by an earlier consumer) release nothing now.
        parts.forEach(tp -> tracker.forget(tp.partition()));
      }
    };
  }

  /** Commits; a retriable failure is logged and counted, and the offsets go with the next one. */
  void tryCommit(KafkaConsumer<String, byte[]> c) {
    try {
      commit(c);
    } catch (RetriableException | CommitFailedException | RebalanceInProgressException e) {
      failures.increment();
      LOG.warnf("cannot commit offsets of %s now, will again: %s", topic, e.toString());
    }
  }

  private void commit(KafkaConsumer<String, byte[]> c) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition tp : c.assignment()) {
      tracker.committable(tp.partition()).ifPresent(o -> offsets.put(tp, new OffsetAndMetadata(o)));
    }
    if (!offsets.isEmpty()) {
      c.commitSync(offsets);
    }
  }
}
