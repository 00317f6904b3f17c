package org.ppruning.stream;

import java.util.ArrayList;
import java.util.List;
import org.ppruning.stream.BatchPlanner.Batch;
import org.ppruning.stream.BatchPlanner.Polled;
import org.ppruning.summary.Summaries;

/**
 * A batch of sample records validated ({@link SampleRecords}) and profiled ({@link
 * ProfilerEngine}): what the profiler sends for it, nothing sent yet.
 *
 * @param batch the records
 * @param letters records bound for the dead-letter topic: the ones refused by validation in record
 *     order, then the ones the engine refused
 * @param result the engine's summaries, rejections and truncations
 * @param truncated the record of each of {@code result.truncated()}, in the same order
 * @param profileNanos the time spent in the engine
 */
public record ProfiledBatch(
    Batch batch,
    List<Letter> letters,
    ProfilerEngine.Result result,
    List<Polled> truncated,
    long profileNanos) {

  /** A record bound for the dead-letter topic, and why. */
  public record Letter(Polled record, RejectReason reason, String message) {}

  /**
   * Validates and profiles {@code batch} of the samples topic {@code topic}; sends nothing. The
   * summaries carry the batch's position: source {@code "<topic>/<partition>"}, offsets [start,
   * end), which the batch plan fixes, so a replay brings the same position.
   */
  public static ProfiledBatch of(
      String topic, Batch batch, SampleRecords records, ProfilerEngine engine) {
    List<ProfilerEngine.Item> items = new ArrayList<>();
    List<Polled> itemRecord = new ArrayList<>();
    List<Letter> letters = new ArrayList<>();
    for (Polled r : batch.records()) {
      long size = DeadLetter.payloadBytes(r.key(), r.value(), r.headers());
      if (size > records.maxRecordBytes()) { // before any parsing or tokenisation
        letters.add(new Letter(r, RejectReason.TOO_LARGE, tooLarge(r, size, records)));
        continue;
      }
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
    ProfilerEngine.Result result =
        engine.process(
            Summaries.source(
                Summaries.partitionSource(topic, batch.partition()), batch.start(), batch.end()),
            items);
    long profileNanos = System.nanoTime() - p0;
    for (ProfilerEngine.Rejection x : result.rejected()) {
      letters.add(new Letter(itemRecord.get(x.index()), x.reason(), x.message()));
    }
    List<Polled> truncated = new ArrayList<>();
    for (ProfilerEngine.Truncation t : result.truncated()) {
      truncated.add(itemRecord.get(t.index()));
    }
    return new ProfiledBatch(
        batch, List.copyOf(letters), result, List.copyOf(truncated), profileNanos);
  }

  private static String tooLarge(Polled r, long size, SampleRecords records) {
    return "record is "
        + size
        + " bytes (key "
        + (r.key() == null ? 0 : r.key().length)
        + ", value "
        + (r.value() == null ? 0 : r.value().length)
        + ", "
        + r.headers().size()
        + " headers), over the limit of "
        + records.maxRecordBytes()
        + " (ppruning.profiler.max-record-bytes)";
  }
}
