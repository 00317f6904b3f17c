package org.ppruning.finetuner.serving;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.ppruning.serve.ServingException;
import org.ppruning.serve.ServingLimits;

/**
 * A TensorFlow Serving REST path below {@code /v1/}, as sent (percent-encoded): {@code
 * models/NAME[/versions/N|/labels/L]} for the status (GET), with {@code /metadata} for the metadata
 * (GET), with {@code :predict} or {@code :classify} for the calls (POST). Each segment is decoded
 * on its own, so an encoded '/' stays inside the model name and is refused there.
 *
 * @param verb {@code status}, {@code metadata}, {@code predict} or {@code classify}
 * @param version the version number, or null
 * @param label the version label, or null
 */
record RestPath(String verb, String name, Long version, String label) {
  static final String NAME_FIELD = "model name";
  private static final List<String> POST_VERBS = List.of("predict", "classify", "regress");

  static RestPath parse(String method, String encodedPath) {
    String malformed =
        "Malformed request: "
            + method
            + " /v1/"
            + encodedPath
            + "; expected GET /v1/models/NAME[/versions/N|/labels/L][/metadata]"
            + " or POST /v1/models/NAME[/versions/N|/labels/L]:predict|:classify";
    String path = encodedPath;
    String verb;
    if (method.equals("POST")) {
      int colon = path.lastIndexOf(':');
      if (colon < path.lastIndexOf('/') + 1 || !POST_VERBS.contains(path.substring(colon + 1))) {
        throw ServingCalls.invalid(malformed);
      }
      verb = path.substring(colon + 1);
      path = path.substring(0, colon);
    } else if (method.equals("GET")) {
      verb = "status";
      if (path.endsWith("/metadata")) {
        verb = "metadata";
        path = path.substring(0, path.length() - "/metadata".length());
      }
    } else {
      throw ServingCalls.invalid(malformed);
    }
    String[] s = path.split("/", -1);
    if (!s[0].equals("models") || (s.length != 2 && s.length != 4)) {
      throw ServingCalls.invalid(malformed);
    }
    String name = decode(s[1]);
    if (name.isEmpty()) {
      throw ServingCalls.invalid(
          "Missing model name in request: " + method + " /v1/" + encodedPath);
    }
    ServingLimits.checkModelName(NAME_FIELD, name);
    Long version = null;
    String label = null;
    if (s.length == 4) {
      String value = decode(s[3]);
      switch (s[2]) {
        case "versions" -> version = number(value);
        case "labels" -> label = value;
        default -> throw ServingCalls.invalid(malformed);
      }
    }
    if (verb.equals("regress")) {
      throw new ServingException(
          ServingException.Code.UNIMPLEMENTED,
          "regress is not served: the models are transformers; use :predict or :classify");
    }
    return new RestPath(verb, name, version, label);
  }

  private static Long number(String version) {
    if (version.isEmpty() || !version.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw ServingCalls.invalid("version '" + version + "' in the URL is not a version number");
    }
    try {
      return Long.parseLong(version);
    } catch (NumberFormatException e) {
      throw ServingCalls.invalid("version '" + version + "' in the URL does not fit an int64");
    }
  }

  private static String decode(String segment) {
    try {
      return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw ServingCalls.invalid("the URL segment '" + segment + "' is not percent-encoded text");
    }
  }

  /** The model version this path names, for {@link ServingCalls}. */
  ServingCalls.Target target(String signature) {
    return new ServingCalls.Target(NAME_FIELD, name, version, label, "signature_name", signature);
  }
}
