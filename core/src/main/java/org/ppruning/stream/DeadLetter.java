package org.ppruning.stream;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ppruning.stream.BatchPlanner.Header;
import org.ppruning.stream.BatchPlanner.Polled;

/**
 * The dead-letter record ({@link Topics#SAMPLES_DLQ}) of a rejected sample record, as the profiler
 * sends it: the rejected record's own key, value and headers, then the {@code ppruning.*} headers
 * below (UTF-8 strings). Kafka-free: the producer only sends what this decides.
 *
 * <p>A dead letter always fits the producer's {@code max.request.size}: when the whole copy would
 * not (with {@link #MARGIN_BYTES} for the request's framing), the copy is <b>truncated</b>: the
 * {@code ppruning.*} headers first, then the key (whole, or its first bytes), then the original
 * headers in order while they fit in half of what is left, then the first bytes of the value; the
 * header {@link #TRUNCATED} is {@code true} and {@link #ORIGINAL_KEY_BYTES}, {@link
 * #ORIGINAL_VALUE_BYTES}, {@link #ORIGINAL_HEADERS} and {@link #ORIGINAL_HEADER_BYTES} give the
 * original sizes. {@link #headersOnly} is the last resort when even that is refused (a DLQ topic
 * whose {@code max.message.bytes} is below the producer's limit): no key, value or original
 * headers, only the {@code ppruning.*} ones.
 *
 * @param key the key to send (null when there is none)
 * @param value the value to send (null when there is none)
 * @param headers the headers to send, in order
 * @param truncated whether anything of the original record was left out
 */
public record DeadLetter(byte[] key, byte[] value, List<Header> headers, boolean truncated) {
  /** A {@link RejectReason} name. */
  public static final String REASON = "ppruning.reason";

  /** What was wrong, naming the field or the sample. */
  public static final String MESSAGE = "ppruning.message";

  /** The samples topic the record was read from. */
  public static final String SOURCE_TOPIC = "ppruning.source.topic";

  /** Its partition. */
  public static final String SOURCE_PARTITION = "ppruning.source.partition";

  /** Its offset. */
  public static final String SOURCE_OFFSET = "ppruning.source.offset";

  /** The rejected record's timestamp, milliseconds since the epoch. */
  public static final String SOURCE_TIMESTAMP = "ppruning.source.timestamp";

  /** {@code true} on a truncated copy (absent on a whole one). */
  public static final String TRUNCATED = "ppruning.truncated";

  /** Bytes of the original key (0 when it had none); on a truncated copy only. */
  public static final String ORIGINAL_KEY_BYTES = "ppruning.original.key.bytes";

  /** Bytes of the original value (0 when it had none); on a truncated copy only. */
  public static final String ORIGINAL_VALUE_BYTES = "ppruning.original.value.bytes";

  /** Number of the original headers; on a truncated copy only. */
  public static final String ORIGINAL_HEADERS = "ppruning.original.headers";

  /** Bytes of the original headers (names and values); on a truncated copy only. */
  public static final String ORIGINAL_HEADER_BYTES = "ppruning.original.header.bytes";

  /**
   * Bytes kept free under {@code max.request.size} for what the producer adds around a record (the
   * record batch header is 61 bytes, each record and header a few varints).
   */
  public static final int MARGIN_BYTES = 4096;

  /** The smallest {@code max.request.size} a dead letter is planned for. */
  public static final int MIN_REQUEST_BYTES = 4 * MARGIN_BYTES;

  /** Longest {@link #MESSAGE} kept whole; a longer one ends with a note of its length. */
  public static final int MAX_MESSAGE_CHARS = 2000;

  /** Per record: attributes, timestamp and offset deltas, lengths (varints, upper bound). */
  private static final int RECORD_OVERHEAD = 32;

  /** Per header: the two length varints (upper bound). */
  private static final int HEADER_OVERHEAD = 10;

  /**
   * Bytes of a record's key, value and headers (names and values), as counted against the
   * profiler's {@code max-record-bytes}.
   */
  public static long payloadBytes(byte[] key, byte[] value, List<Header> headers) {
    return length(key) + length(value) + headerBytes(headers);
  }

  /**
   * An upper bound of the bytes the producer counts for a record against {@code max.request.size},
   * without the record batch around it ({@link #MARGIN_BYTES} covers that).
   */
  public static long sendBytes(byte[] key, byte[] value, List<Header> headers) {
    return RECORD_OVERHEAD
        + length(key)
        + length(value)
        + headerBytes(headers)
        + (long) HEADER_OVERHEAD * headers.size();
  }

  /**
   * The dead letter of {@code r}: the whole copy if it fits {@code maxRequestBytes}, else the
   * truncated copy (class comment).
   *
   * @param sourceTopic the topic {@code r} was read from
   * @param maxRequestBytes the producer's {@code max.request.size}, at least {@link
   *     #MIN_REQUEST_BYTES}
   */
  public static DeadLetter of(
      Polled r, RejectReason reason, String message, String sourceTopic, int maxRequestBytes) {
    long budget = budget(maxRequestBytes);
    List<Header> own = own(r, reason, message, sourceTopic);
    List<Header> whole = new ArrayList<>(r.headers());
    whole.addAll(own);
    if (sendBytes(r.key(), r.value(), whole) <= budget) {
      return new DeadLetter(r.key(), r.value(), List.copyOf(whole), false);
    }
    List<Header> marks = new ArrayList<>(own);
    marks.addAll(originalSizes(r));
    long left = budget - sendBytes(null, null, marks);
    if (left < 0) {
      throw new IllegalStateException("the dead-letter headers alone exceed " + budget + " bytes");
    }
    byte[] key = r.key() == null ? null : prefix(r.key(), left);
    left -= length(key);
    List<Header> kept = new ArrayList<>();
    long headerRoom = left / 2;
    for (Header h : r.headers()) {
      long size = length(h.key().getBytes(StandardCharsets.UTF_8)) + length(h.value());
      if (size + HEADER_OVERHEAD > headerRoom) {
        break;
      }
      kept.add(h);
      headerRoom -= size + HEADER_OVERHEAD;
      left -= size + HEADER_OVERHEAD;
    }
    byte[] value = r.value() == null ? null : prefix(r.value(), left);
    kept.addAll(marks);
    return new DeadLetter(key, value, List.copyOf(kept), true);
  }

  /**
   * The last-resort copy of {@code r}: the {@code ppruning.*} headers and the original sizes only
   * (no key, value or original headers), for a DLQ that refused the {@link #of} copy as too large.
   */
  public static DeadLetter headersOnly(
      Polled r, RejectReason reason, String message, String sourceTopic) {
    List<Header> h = new ArrayList<>(own(r, reason, message, sourceTopic));
    h.addAll(originalSizes(r));
    return new DeadLetter(null, null, List.copyOf(h), true);
  }

  /** What a dead letter may take under {@code maxRequestBytes}; refuses a too small one. */
  private static long budget(int maxRequestBytes) {
    if (maxRequestBytes < MIN_REQUEST_BYTES) {
      throw new IllegalArgumentException(
          "max.request.size of "
              + maxRequestBytes
              + " bytes leaves no room for a dead letter (at least "
              + MIN_REQUEST_BYTES
              + ")");
    }
    return maxRequestBytes - (long) MARGIN_BYTES;
  }

  private static List<Header> own(
      Polled r, RejectReason reason, String message, String sourceTopic) {
    String m =
        message.length() <= MAX_MESSAGE_CHARS
            ? message
            : message.substring(0, MAX_MESSAGE_CHARS)
                + "... (message of "
                + message.length()
                + " characters, cut at "
                + MAX_MESSAGE_CHARS
                + ")";
    return List.of(
        header(REASON, reason.name()),
        header(MESSAGE, m),
        header(SOURCE_TOPIC, sourceTopic),
        header(SOURCE_PARTITION, Integer.toString(r.partition())),
        header(SOURCE_OFFSET, Long.toString(r.offset())),
        header(SOURCE_TIMESTAMP, Long.toString(r.timestamp())));
  }

  private static List<Header> originalSizes(Polled r) {
    return List.of(
        header(TRUNCATED, "true"),
        header(ORIGINAL_KEY_BYTES, Long.toString(length(r.key()))),
        header(ORIGINAL_VALUE_BYTES, Long.toString(length(r.value()))),
        header(ORIGINAL_HEADERS, Integer.toString(r.headers().size())),
        header(ORIGINAL_HEADER_BYTES, Long.toString(headerBytes(r.headers()))));
  }

  private static Header header(String name, String value) {
    return new Header(name, value.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] prefix(byte[] b, long max) {
    return b.length <= max ? b : Arrays.copyOf(b, (int) Math.max(0, max));
  }

  private static long headerBytes(List<Header> headers) {
    long n = 0;
    for (Header h : headers) {
      n += h.key().getBytes(StandardCharsets.UTF_8).length + length(h.value());
    }
    return n;
  }

  private static long length(byte[] b) {
    return b == null ? 0 : b.length;
  }
}
