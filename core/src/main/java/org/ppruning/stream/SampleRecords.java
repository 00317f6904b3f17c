package org.ppruning.stream;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.ppruning.data.Sample;

/**
 * Turns a {@link Topics#SAMPLES} record (key = task id, value = a JSON object {@code {"task", "id",
 * "text", "text_pair", "label"}}, the last two optional) into a {@link Sample} of a known task, or
 * a {@link Rejected} with a reason code and a message naming the field. Pure: the same bytes always
 * give the same answer, so a redelivered batch is validated the same way.
 *
 * <p>The key may be absent (then {@code task} decides); the {@code task} field may be absent (then
 * the key decides); if both are there they must agree.
 */
public final class SampleRecords {
  /** Default record size limit: generous for sentences and paragraphs, far below Kafka's 1 MB. */
  public static final int DEFAULT_MAX_RECORD_BYTES = 64 * 1024;

  private static final List<String> FIELDS = List.of("task", "id", "text", "text_pair", "label");
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final Set<String> knownTasks;
  private final int maxRecordBytes;

  /**
   * @param knownTasks the tasks this profiler serves
   * @param maxRecordBytes the largest value accepted, in bytes
   */
  public SampleRecords(Set<String> knownTasks, int maxRecordBytes) {
    if (knownTasks.isEmpty()) {
      throw new IllegalArgumentException("no known tasks: every record would be rejected");
    }
    if (maxRecordBytes <= 0) {
      throw new IllegalArgumentException(
          "record size limit must be > 0 bytes, got " + maxRecordBytes);
    }
    this.knownTasks = Set.copyOf(knownTasks);
    this.maxRecordBytes = maxRecordBytes;
  }

  /**
   * The size limit, in bytes: {@link #parse} holds the value to it, {@link ProfiledBatch#of} the
   * whole record (key, value and headers) before parsing.
   */
  public int maxRecordBytes() {
    return maxRecordBytes;
  }

  /** What a record became. */
  public sealed interface Parsed permits Accepted, Rejected {}

  /** A valid sample of a known task. */
  public record Accepted(String task, Sample sample) implements Parsed {}

  /** A record that cannot be profiled, and why. */
  public record Rejected(RejectReason reason, String message) implements Parsed {}

  /** Validates one record; {@code key} and {@code value} may be null (a tombstone is rejected). */
  public Parsed parse(byte[] key, byte[] value) {
    if (value != null && value.length > maxRecordBytes) {
      return new Rejected(
          RejectReason.TOO_LARGE,
          "value is " + value.length + " bytes, over the" + " limit of " + maxRecordBytes);
    }
    String keyTask = null;
    if (key != null) {
      try {
        keyTask = utf8(key);
      } catch (CharacterCodingException e) {
        return new Rejected(RejectReason.INVALID_UTF8, "key is not valid UTF-8: " + e.getMessage());
      }
    }
    if (value == null) {
      return new Rejected(
          RejectReason.MALFORMED_JSON, "value is null (a tombstone), expected a" + " JSON object");
    }
    String text;
    try {
      text = utf8(value);
    } catch (CharacterCodingException e) {
      return new Rejected(RejectReason.INVALID_UTF8, "value is not valid UTF-8: " + e.getMessage());
    }
    JsonNode n;
    try {
      n = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      return new Rejected(
          RejectReason.MALFORMED_JSON,
          "value is not JSON: " + e.getOriginalMessage() + " at " + location(e));
    }
    if (n == null || n.isMissingNode()) {
      return new Rejected(RejectReason.MALFORMED_JSON, "value is empty, expected a JSON object");
    }
    if (!n.isObject()) {
      return new Rejected(
          RejectReason.MALFORMED_JSON,
          "value is a JSON " + n.getNodeType().name().toLowerCase() + ", expected a JSON object");
    }
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!FIELDS.contains(f)) {
        return new Rejected(
            RejectReason.UNKNOWN_FIELD, "field \"" + f + "\" is not one of " + FIELDS);
      }
    }
    JsonNode taskNode = n.get("task");
    if (taskNode != null && !taskNode.isNull() && !taskNode.isTextual()) {
      return badType("task", "a string", taskNode);
    }
    String fieldTask = taskNode == null || taskNode.isNull() ? null : taskNode.asText();
    if (fieldTask != null && fieldTask.isEmpty()) {
      fieldTask = null;
    }
    if (keyTask != null && keyTask.isEmpty()) {
      keyTask = null;
    }
    if (fieldTask == null && keyTask == null) {
      return new Rejected(
          RejectReason.MISSING_TASK, "no task: neither a \"task\" field nor a" + " record key");
    }
    if (fieldTask != null && keyTask != null && !fieldTask.equals(keyTask)) {
      return new Rejected(
          RejectReason.TASK_KEY_MISMATCH,
          "record key '"
              + keyTask
              + "' and field \"task\" '"
              + fieldTask
              + "' name different tasks");
    }
    String task = fieldTask != null ? fieldTask : keyTask;
    if (!knownTasks.contains(task)) {
      return new Rejected(
          RejectReason.UNKNOWN_TASK,
          "task '" + task + "' is not one of " + knownTasks.stream().sorted().toList());
    }
    JsonNode idNode = n.get("id");
    if (idNode != null && !idNode.isNull() && !idNode.isTextual() && !idNode.isIntegralNumber()) {
      return badType("id", "a string or an integer", idNode);
    }
    String id = idNode == null || idNode.isNull() ? "" : idNode.asText();
    if (id.isEmpty()) {
      return new Rejected(RejectReason.MISSING_ID, "field \"id\" is missing or empty");
    }
    JsonNode textNode = n.get("text");
    if (textNode == null || textNode.isNull()) {
      return new Rejected(
          RejectReason.MISSING_TEXT, "sample '" + id + "': field \"text\" is" + " missing");
    }
    if (!textNode.isTextual()) {
      return badType("text", "a string", textNode);
    }
    if (textNode.asText().isBlank()) {
      return new Rejected(
          RejectReason.EMPTY_TEXT,
          "sample '"
              + id
              + "': field \"text\" is"
              + (textNode.asText().isEmpty() ? " empty" : " only white space"));
    }
    JsonNode pairNode = n.get("text_pair");
    String pair = null;
    if (pairNode != null && !pairNode.isNull()) {
      if (!pairNode.isTextual()) {
        return badType("text_pair", "a string", pairNode);
      }
      if (pairNode.asText().isBlank()) {
        return new Rejected(
            RejectReason.BAD_FIELD,
            "sample '"
                + id
                + "': field \"text_pair\""
                + " is empty; leave it out for a single text");
      }
      pair = pairNode.asText();
    }
    JsonNode labelNode = n.get("label");
    String label = null;
    if (labelNode != null && !labelNode.isNull()) {
      if (!labelNode.isTextual() && !labelNode.isIntegralNumber()) {
        return new Rejected(
            RejectReason.BAD_LABEL,
            "sample '"
                + id
                + "': field \"label\" is a"
                + " JSON "
                + labelNode.getNodeType().name().toLowerCase()
                + ", expected a string or"
                + " an integer");
      }
      label = labelNode.asText();
    }
    return new Accepted(task, new Sample(id, textNode.asText(), pair, label));
  }

  private static Rejected badType(String field, String expected, JsonNode got) {
    return new Rejected(
        RejectReason.BAD_FIELD,
        "field \""
            + field
            + "\" is a JSON "
            + got.getNodeType().name().toLowerCase()
            + ", expected "
            + expected);
  }

  private static String location(JsonProcessingException e) {
    var l = e.getLocation();
    return l == null ? "unknown position" : "line " + l.getLineNr() + " column " + l.getColumnNr();
  }

  /** Strict UTF-8: malformed bytes are an error naming the byte offset. */
  private static String utf8(byte[] bytes) throws CharacterCodingException {
    CharsetDecoder d =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length); // UTF-8 never has more chars than bytes
    CoderResult r = d.decode(in, out, true);
    if (!r.isError()) {
      r = d.flush(out);
    }
    if (r.isError()) {
      String at = "bad byte sequence at byte " + in.position() + " of " + bytes.length;
      throw new CharacterCodingException() {
        @Override
        public String getMessage() {
          return at;
        }
      };
    }
    return out.flip().toString();
  }
}
