package org.ppruning.testing;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ppruning.summary.Summaries;
import org.ppruning.summary.proto.ActivationSummary;

/**
 * Source positions for summaries that tests make with a {@code SummaryBuilder} directly, as a
 * profiler's batch plan gives them: one batch of sample ids has one position in the source {@value
 * #SOURCE}, whichever builder summarises it and however often (so a batch summarised again is a
 * redelivery), and different batches have different positions. Per JVM.
 */
public final class Positions {
  /** The source of these positions. */
  public static final String SOURCE = "test-samples/0";

  private static final Map<List<String>, Long> POSITIONS = new HashMap<>();

  private Positions() {}

  /** One batch's records (its chunks) with the position of their sample ids set. */
  public static synchronized List<ActivationSummary> of(List<ActivationSummary> records) {
    List<String> ids = List.copyOf(records.get(0).getSampleIdsList());
    long first = POSITIONS.computeIfAbsent(ids, x -> (long) POSITIONS.size() * 1_000);
    return Summaries.at(Summaries.source(SOURCE, first, first + ids.size()), records);
  }
}
