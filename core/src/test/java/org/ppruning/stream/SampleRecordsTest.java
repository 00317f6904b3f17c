package org.ppruning.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.ppruning.data.Sample;
import org.ppruning.stream.SampleRecords.Accepted;
import org.ppruning.stream.SampleRecords.Rejected;

class SampleRecordsTest {
  final SampleRecords records = new SampleRecords(Set.of("sentiment", "paraphrase"), 200);

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  Accepted accept(String key, String value) {
    return assertInstanceOf(Accepted.class, records.parse(key == null ? null : b(key), b(value)));
  }

  Rejected reject(String key, byte[] value, RejectReason reason, String messagePart) {
    Rejected r =
        assertInstanceOf(Rejected.class, records.parse(key == null ? null : b(key), value));
    assertEquals(reason, r.reason(), r.message());
    assertTrue(r.message().contains(messagePart), r.message());
    return r;
  }

  @Test
  void acceptsTheIssueFormatWithOptionalFields() {
    Accepted a =
        accept(
            "sentiment",
            "{\"task\":\"sentiment\",\"id\":\"s1\",\"text\":\"Great food." + "\",\"label\":1}");
    assertEquals("sentiment", a.task());
    assertEquals(new Sample("s1", "Great food.", null, "1"), a.sample());
    Accepted pair =
        accept(
            null,
            "{\"task\":\"paraphrase\",\"id\":7,\"text\":\"a\","
                + "\"text_pair\":\"b\",\"label\":\"equivalent\"}");
    assertEquals(new Sample("7", "a", "b", "equivalent"), pair.sample());
    // The key alone names the task; null optional fields are absent ones.
    Accepted keyed =
        accept(
            "paraphrase", "{\"id\":\"x\",\"text\":\"é中\",\"text_pair\":null," + "\"label\":null}");
    assertEquals(new Sample("x", "é中", null, null), keyed.sample());
    assertEquals("paraphrase", keyed.task());
  }

  @Test
  void everyBadInputKindHasItsReasonAndNamesTheField() {
    reject(
        "sentiment",
        b("{\"id\":\"1\",\"text\":\"" + "x".repeat(200) + "\"}"),
        RejectReason.TOO_LARGE,
        "over the limit of 200");
    reject(
        "sentiment",
        new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'},
        RejectReason.INVALID_UTF8,
        "value is not valid UTF-8: bad byte sequence at byte 2 of 6");
    Rejected badKey =
        assertInstanceOf(Rejected.class, records.parse(new byte[] {(byte) 0xFF}, b("{}")));
    assertEquals(RejectReason.INVALID_UTF8, badKey.reason());
    assertTrue(badKey.message().startsWith("key is not valid UTF-8"), badKey.message());
    reject(
        "sentiment",
        b("{\"id\":\"1\",\"text\":"),
        RejectReason.MALFORMED_JSON,
        "value is not JSON");
    reject("sentiment", b("{\"id\":\"1\"} {}"), RejectReason.MALFORMED_JSON, "not JSON");
    reject(
        "sentiment",
        b("{\"id\":\"1\",\"id\":\"2\",\"text\":\"a\"}"),
        RejectReason.MALFORMED_JSON,
        "Duplicate field 'id'");
    reject("sentiment", b("[1,2]"), RejectReason.MALFORMED_JSON, "a JSON array");
    reject("sentiment", b(""), RejectReason.MALFORMED_JSON, "empty");
    reject("sentiment", null, RejectReason.MALFORMED_JSON, "tombstone");
    reject(
        "sentiment",
        b("{\"id\":\"1\",\"txt\":\"a\"}"),
        RejectReason.UNKNOWN_FIELD,
        "field \"txt\"");
    reject(
        "sentiment",
        b("{\"id\":\"1\",\"text\":5}"),
        RejectReason.BAD_FIELD,
        "field \"text\" is a JSON number");
    reject("sentiment", b("{\"id\":[1],\"text\":\"a\"}"), RejectReason.BAD_FIELD, "\"id\"");
    reject(
        "sentiment",
        b("{\"id\":\"1\",\"text\":\"a\",\"text_pair\":\" \"}"),
        RejectReason.BAD_FIELD,
        "\"text_pair\" is empty");
    reject(
        "sentiment",
        b("{\"id\":\"1\",\"text\":\"a\",\"label\":1.5}"),
        RejectReason.BAD_LABEL,
        "\"label\" is a JSON number");
    reject(
        "sentiment",
        b("{\"id\":\"1\",\"text\":\"a\",\"label\":{}}"),
        RejectReason.BAD_LABEL,
        "\"label\" is a JSON object");
    reject(null, b("{\"id\":\"1\",\"text\":\"a\"}"), RejectReason.MISSING_TASK, "no task");
    reject(
        "grammar",
        b("{\"id\":\"1\",\"text\":\"a\"}"),
        RejectReason.UNKNOWN_TASK,
        "task 'grammar' is not one of [paraphrase, sentiment]");
    reject(
        "sentiment",
        b("{\"task\":\"paraphrase\",\"id\":\"1\",\"text\":\"a\"}"),
        RejectReason.TASK_KEY_MISMATCH,
        "'sentiment' and field \"task\" 'paraphrase'");
    reject("sentiment", b("{\"text\":\"a\"}"), RejectReason.MISSING_ID, "\"id\"");
    reject("sentiment", b("{\"id\":\"\",\"text\":\"a\"}"), RejectReason.MISSING_ID, "\"id\"");
    reject(
        "sentiment",
        b("{\"id\":\"9\"}"),
        RejectReason.MISSING_TEXT,
        "sample '9': field \"text\" is missing");
    reject("sentiment", b("{\"id\":\"9\",\"text\":\"\"}"), RejectReason.EMPTY_TEXT, "empty");
    reject(
        "sentiment",
        b("{\"id\":\"9\",\"text\":\" \\n\"}"),
        RejectReason.EMPTY_TEXT,
        "only white space");
  }

  @Test
  void refusesUselessSettings() {
    assertThrows(IllegalArgumentException.class, () -> new SampleRecords(Set.of(), 10));
    assertThrows(IllegalArgumentException.class, () -> new SampleRecords(Set.of("a"), 0));
  }
}
