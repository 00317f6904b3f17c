package org.ppruning.finetuner.serving;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ppruning.serve.ServingLimits;
import org.ppruning.serve.TextBatch;

/**
 * TensorFlow Serving's REST Classify body: {@code "examples"}, a list of objects of features, and
 * an optional {@code "context"} of features every example shares (an example's own feature wins),
 * and {@code "signature_name"}. As over gRPC ({@link ExampleTexts}), the features read are {@code
 * text} and optionally {@code text_pair}: a string, a list of one string, or binary as {@code
 * {"b64": "..."}} holding UTF-8; other features are skipped.
 */
final class ClassifyJson {
  private static final String FORMAT =
      "; a classify body has 'examples' and optionally 'context' and 'signature_name'";

  private ClassifyJson() {}

  /** A decoded request: its signature (or null) and its texts. */
  record Request(String signature, TextBatch texts) {}

  static Request read(byte[] body, ServingLimits limits) {
    return RestJson.readObject(
        body,
        "classify request",
        p -> {
          String signature = null;
          Map<String, String> context = Map.of();
          List<Map<String, String>> examples = null;
          for (String key = RestJson.nextField(p); key != null; key = RestJson.nextField(p)) {
            switch (key) {
              case "signature_name" -> signature = RestJson.string(p, "'signature_name'");
              case "context" -> context = features(p, "'context'");
              case "examples" -> examples = examples(p, limits);
              default -> throw ServingCalls.invalid("unknown key '" + key + "'" + FORMAT);
            }
          }
          if (examples == null) {
            throw ServingCalls.invalid("the body has no 'examples'" + FORMAT);
          }
          TextBatch texts = new TextBatch("example", "a '" + ExampleTexts.TEXT_PAIR + "' feature");
          for (int i = 0; i < examples.size(); i++) {
            Map<String, String> f = new LinkedHashMap<>(context);
            f.putAll(examples.get(i));
            String text = f.get(ExampleTexts.TEXT);
            if (text == null) {
              throw ServingCalls.invalid(
                  "example "
                      + i
                      + " has no feature '"
                      + ExampleTexts.TEXT
                      + "'; features: "
                      + f.keySet());
            }
            texts.add(text, f.get(ExampleTexts.TEXT_PAIR));
          }
          return new Request(signature, texts);
        });
  }

  private static List<Map<String, String>> examples(JsonParser p, ServingLimits limits)
      throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw ServingCalls.invalid(
          "'examples' is " + JsonInts.describe(p) + "; expected a list of objects");
    }
    List<Map<String, String>> out = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      limits.checkBatch("the number of 'examples' (at least)", out.size() + 1);
      out.add(features(p, "example " + out.size()));
    }
    if (out.isEmpty()) {
      throw ServingCalls.invalid("'examples' is empty; send at least one example");
    }
    return out;
  }

  /** An object of features: text features decoded, others kept as names (null values). */
  private static Map<String, String> features(JsonParser p, String what) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw ServingCalls.invalid(
          what + " is " + JsonInts.describe(p) + "; expected an object of features");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String name = RestJson.nextField(p); name != null; name = RestJson.nextField(p)) {
      if (name.equals(ExampleTexts.TEXT) || name.equals(ExampleTexts.TEXT_PAIR)) {
        out.put(name, text(p, what + " feature '" + name + "'"));
      } else {
        p.skipChildren();
        out.put(name, null);
      }
    }
    return out;
  }

  /** A string, a list of one string, or {"b64": "..."} holding UTF-8. */
  private static String text(JsonParser p, String what) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_ARRAY) {
      if (p.nextToken() == JsonToken.END_ARRAY) {
        throw ServingCalls.invalid(what + " is an empty list; expected one text");
      }
      String text = text(p, what);
      if (p.nextToken() != JsonToken.END_ARRAY) {
        throw ServingCalls.invalid(what + " has more than one value; expected one text");
      }
      return text;
    }
    if (t == JsonToken.START_OBJECT) {
      String b64 = null;
      for (String key = RestJson.nextField(p); key != null; key = RestJson.nextField(p)) {
        if (!key.equals("b64") || b64 != null) {
          throw ServingCalls.invalid(what + " has the key '" + key + "'; binary is {\"b64\": ...}");
        }
        b64 = RestJson.string(p, what + " 'b64'");
      }
      if (b64 == null) {
        throw ServingCalls.invalid(what + " is an object without 'b64'; expected a text");
      }
      return utf8(b64, what);
    }
    return RestJson.string(p, what);
  }

  private static String utf8(String b64, String what) {
    try {
      return ExampleTexts.utf8(Base64.getDecoder().decode(b64), what + " 'b64'");
    } catch (IllegalArgumentException e) {
      throw ServingCalls.invalid(what + " 'b64' is not base64: " + e.getMessage());
    }
  }
}
