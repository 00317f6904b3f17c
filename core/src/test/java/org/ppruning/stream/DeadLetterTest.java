package org.ppruning.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ppruning.stream.BatchPlanner.Header;
import org.ppruning.stream.BatchPlanner.Polled;

/** Whole and truncated dead letters, always within the producer's request size. */
class DeadLetterTest {
  static final int MAX = 576 << 10; // the profiler's default max.request.size

  static Polled record(byte[] key, byte[] value, List<Header> headers) {
    return new Polled(4, 1234, key, value, 1_700_000_000_000L, headers, 0);
  }

  static Map<String, String> headers(DeadLetter d) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Header h : d.headers()) {
      out.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
    }
    return out;
  }

  static byte[] bytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) ('a' + i % 26);
    }
    return b;
  }

  @Test
  void aRecordThatFitsGoesWholeWithTheOriginalHeadersFirst() {
    byte[] key = "sst2".getBytes(StandardCharsets.UTF_8);
    byte[] value = bytes(1000);
    Polled r = record(key, value, List.of(new Header("trace", new byte[] {1, 2})));
    DeadLetter d = DeadLetter.of(r, RejectReason.MALFORMED_JSON, "bad", "s", MAX);
    assertFalse(d.truncated());
    assertArrayEquals(key, d.key());
    assertArrayEquals(value, d.value());
    assertEquals("trace", d.headers().get(0).key());
    Map<String, String> h = headers(d);
    assertEquals("MALFORMED_JSON", h.get(DeadLetter.REASON));
    assertEquals("bad", h.get(DeadLetter.MESSAGE));
    assertEquals("s", h.get(DeadLetter.SOURCE_TOPIC));
    assertEquals("4", h.get(DeadLetter.SOURCE_PARTITION));
    assertEquals("1234", h.get(DeadLetter.SOURCE_OFFSET));
    assertEquals("1700000000000", h.get(DeadLetter.SOURCE_TIMESTAMP));
    assertFalse(h.containsKey(DeadLetter.TRUNCATED));
    assertFalse(h.containsKey(DeadLetter.ORIGINAL_VALUE_BYTES));
  }

  @Test
  void a700KbValueIsCutToItsFirstBytesUnderTheRequestSizeWithItsOriginalSize() {
    byte[] key = "sst2".getBytes(StandardCharsets.UTF_8);
    byte[] value = bytes(700_000);
    Polled r = record(key, value, List.of(new Header("trace", bytes(10))));
    DeadLetter d = DeadLetter.of(r, RejectReason.TOO_LARGE, "record is 700014 bytes", "s", MAX);
    assertTrue(d.truncated());
    assertArrayEquals(key, d.key());
    assertTrue(d.value().length > MAX - 2 * DeadLetter.MARGIN_BYTES, "" + d.value().length);
    assertArrayEquals(Arrays.copyOf(value, d.value().length), d.value(), "the first bytes");
    long sent = DeadLetter.sendBytes(d.key(), d.value(), d.headers());
    assertTrue(sent <= MAX - DeadLetter.MARGIN_BYTES, sent + " bytes");
    Map<String, String> h = headers(d);
    assertEquals("TOO_LARGE", h.get(DeadLetter.REASON));
    assertEquals("true", h.get(DeadLetter.TRUNCATED));
    assertEquals("700000", h.get(DeadLetter.ORIGINAL_VALUE_BYTES));
    assertEquals("4", h.get(DeadLetter.ORIGINAL_KEY_BYTES));
    assertEquals("1", h.get(DeadLetter.ORIGINAL_HEADERS));
    assertEquals("15", h.get(DeadLetter.ORIGINAL_HEADER_BYTES));
    assertEquals("1234", h.get(DeadLetter.SOURCE_OFFSET));
    assertEquals("trace", d.headers().get(0).key(), "a small original header is kept");
  }

  @Test
  void hugeHeadersAndKeyAreCutTooAndTheCopyStillFits() {
    byte[] key = bytes(MAX); // a key alone over the limit
    List<Header> hs =
        List.of(new Header("a", bytes(10)), new Header("huge", bytes(MAX)), new Header("b", null));
    Polled r = record(key, bytes(5000), hs);
    DeadLetter d = DeadLetter.of(r, RejectReason.TOO_LARGE, "m", "s", MAX);
    assertTrue(d.truncated());
    long sent = DeadLetter.sendBytes(d.key(), d.value(), d.headers());
    assertTrue(sent <= MAX - DeadLetter.MARGIN_BYTES, sent + " bytes");
    assertArrayEquals(Arrays.copyOf(key, d.key().length), d.key());
    assertEquals(0, d.value().length, "the key took the room");
    Map<String, String> h = headers(d);
    assertEquals(Integer.toString(MAX), h.get(DeadLetter.ORIGINAL_KEY_BYTES));
    assertEquals("5000", h.get(DeadLetter.ORIGINAL_VALUE_BYTES));
    assertEquals("3", h.get(DeadLetter.ORIGINAL_HEADERS));
    assertEquals(Integer.toString(1 + 10 + 4 + MAX + 1), h.get(DeadLetter.ORIGINAL_HEADER_BYTES));
    assertFalse(h.containsKey("huge"));
  }

  @Test
  void everyCutSizeStaysUnderTheLimitAtTheBoundary() {
    byte[] key = "k".getBytes(StandardCharsets.UTF_8);
    for (int n = MAX - 2 * DeadLetter.MARGIN_BYTES; n < MAX + 10; n += 97) {
      DeadLetter d =
          DeadLetter.of(record(key, bytes(n), List.of()), RejectReason.TOO_LARGE, "m", "s", MAX);
      long sent = DeadLetter.sendBytes(d.key(), d.value(), d.headers());
      assertTrue(sent <= MAX - DeadLetter.MARGIN_BYTES, n + ": " + sent + " bytes");
      assertEquals(d.truncated(), d.value().length < n, "" + n);
    }
  }

  @Test
  void headersOnlyKeepsTheReasonSourceAndSizesAndNothingOfTheRecord() {
    Polled r = record(bytes(3), bytes(900_000), List.of(new Header("x", bytes(2))));
    DeadLetter d = DeadLetter.headersOnly(r, RejectReason.TOO_LARGE, "m", "s");
    assertNull(d.key());
    assertNull(d.value());
    Map<String, String> h = headers(d);
    assertEquals("TOO_LARGE", h.get(DeadLetter.REASON));
    assertEquals("900000", h.get(DeadLetter.ORIGINAL_VALUE_BYTES));
    assertEquals("true", h.get(DeadLetter.TRUNCATED));
    assertFalse(h.containsKey("x"));
  }

  @Test
  void aLongMessageIsCutWithANoteAndATinyRequestSizeIsRefused() {
    Polled r = record(null, bytes(10), List.of());
    DeadLetter d = DeadLetter.of(r, RejectReason.BAD_FIELD, "y".repeat(5000), "s", MAX);
    String m = headers(d).get(DeadLetter.MESSAGE);
    assertTrue(m.endsWith("... (message of 5000 characters, cut at 2000)"), m);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> DeadLetter.of(r, RejectReason.BAD_FIELD, "m", "s", 1000));
    assertTrue(e.getMessage().contains("max.request.size of 1000 bytes"), e.getMessage());
  }
}
