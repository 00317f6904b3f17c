package org.ppruning.finetuner.serving;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Streaming JSON for the REST API (Jackson's parser and generator, no object tree): duplicate keys
 * and nesting deeper than 32 are refused, every parse failure becomes INVALID_ARGUMENT naming the
 * position in the body.
 */
final class RestJson {
  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build())
          .build();

  private RestJson() {}

  /** A body reader: its work on a parser positioned at the body's first token. */
  interface Reader<T> {
    T read(JsonParser p) throws IOException;
  }

  /** A body writer. */
  interface Writer {
    void write(JsonGenerator g) throws IOException;
  }

  /** Reads a body that must be one JSON object, with nothing after it. */
  static <T> T readObject(byte[] body, String what, Reader<T> reader) {
    try (JsonParser p = FACTORY.createParser(body)) {
      JsonToken first = p.nextToken();
      if (first != JsonToken.START_OBJECT) {
        throw ServingCalls.invalid(
            "the "
                + what
                + " body is "
                + (first == null ? "empty" : JsonInts.describe(p))
                + "; expected a JSON object");
      }
      T value = reader.read(p);
      if (p.nextToken() != null) {
        throw ServingCalls.invalid(
            "the " + what + " body has " + JsonInts.describe(p) + " after its JSON object");
      }
      return value;
    } catch (JsonProcessingException e) {
      throw ServingCalls.invalid(
          "malformed JSON in the "
              + what
              + " body at line "
              + e.getLocation().getLineNr()
              + ", column "
              + e.getLocation().getColumnNr()
              + ": "
              + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The next field's value token, or null at the end of the object. */
  static String nextField(JsonParser p) throws IOException {
    if (p.nextToken() != JsonToken.FIELD_NAME) {
      return null;
    }
    String name = p.currentName();
    p.nextToken();
    return name;
  }

  /** The current value as a string, refusing anything else. */
  static String string(JsonParser p, String what) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_STRING) {
      throw ServingCalls.invalid(what + " is " + JsonInts.describe(p) + "; expected a string");
    }
    return p.getText();
  }

  /** Writes a JSON document. */
  static byte[] write(Writer w) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      w.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** TensorFlow Serving's error body: {@code {"error": "<message>"}}. */
  static byte[] error(String message) {
    return write(
        g -> {
          g.writeStartObject();
          g.writeStringField("error", message);
          g.writeEndObject();
        });
  }
}
