package org.ppruning.finetuner.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code curl} binary as a REST client: a request's HTTP status, body and duration. Bodies go
 * through a file with {@code --data-binary} and no Content-Type, as TensorFlow Serving's own curl
 * examples send them. JSON is read with decimals kept exact, so a float compares bit for bit.
 */
final class Curl {
  static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  /** One answer. */
  record Reply(int status, String body, long millis) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }

    /** The {@code "error"} of a refusal with this status, after checking the shape. */
    String error(int expected) {
      assertEquals(expected, status, body);
      JsonNode j = json();
      assertEquals(1, j.size(), body);
      assertTrue(j.get("error").isTextual(), body);
      return j.get("error").asText();
    }
  }

  private Curl() {}

  static Reply get(String url, String... options) throws Exception {
    return run(url, null, options);
  }

  static Reply post(String url, String body, String... options) throws Exception {
    return post(url, body.getBytes(StandardCharsets.UTF_8), options);
  }

  static Reply post(String url, byte[] body, String... options) throws Exception {
    return run(url, body, options);
  }

  private static Reply run(String url, byte[] body, String... options) throws Exception {
    Path out = Files.createTempFile(Path.of("target"), "curl-", ".out");
    List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "-o", out.toString()));
    cmd.addAll(List.of("-w", "%{http_code}", "--max-time", "30"));
    cmd.addAll(List.of(options));
    Path in = null;
    if (body != null) {
      in = Files.createTempFile(Path.of("target"), "curl-", ".json");
      Files.write(in, body);
      cmd.addAll(List.of("--data-binary", "@" + in));
    }
    cmd.add(url);
    long start = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String status = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "curl did not end");
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertEquals(0, p.exitValue(), "curl " + cmd + ": " + status);
    String text = Files.readString(out, StandardCharsets.UTF_8);
    Files.delete(out);
    if (in != null) {
      Files.delete(in);
    }
    return new Reply(Integer.parseInt(status), text, ms);
  }
}
