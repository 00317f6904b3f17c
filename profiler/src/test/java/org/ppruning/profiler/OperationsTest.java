package org.ppruning.profiler;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.ppruning.service.KafkaTracing;

/**
 * The shared operations beans in a running service (the %test profile: no broker): each readiness
 * check is a gauge of the state /q/health/ready reports for it, and tracing is off by default (a
 * traced sample record's trace is not read, and what the service sends gets no header).
 */
@QuarkusTest
class OperationsTest {
  @Inject KafkaTracing tracing;

  @Test
  void readinessChecksAreGaugesOfTheirState() {
    List<Map<String, Object>> checks =
        given().get("/q/health/ready").then().extract().jsonPath().getList("checks");
    String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
    assertTrue(checks.size() >= 3, "readiness checks: " + checks);
    for (Map<String, Object> c : checks) {
      String name = (String) c.get("name");
      assertEquals("UP".equals(c.get("status")) ? 1.0 : 0.0, ready(metrics, name), name);
    }
    // TensorFlow loads and the work dir is writable in the %test profile.
    assertEquals(1.0, ready(metrics, "profiler-runtime"));
  }

  @Test
  void tracingIsOffByDefault() {
    Headers sample = new RecordHeaders();
    sample.add(
        "traceparent",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".getBytes(StandardCharsets.UTF_8));
    Context parent = tracing.extract(sample);
    Span span = tracing.publishSpan("ppruning.summaries", parent, List.of());
    try {
      // Off: no propagation (KafkaTracing), and the disabled SDK has no span processor (a span
      // object exists in memory and is dropped when it ends; nothing is exported).
      assertFalse(KafkaTracing.traced(parent), "the sample's trace is not read");
      assertFalse(tracing.headers(span).iterator().hasNext(), "no header is written");
    } finally {
      span.end();
    }
  }

  private static double ready(String metrics, String check) {
    Matcher m =
        Pattern.compile(
                "(?m)^ppruning_health_ready\\{[^}]*check=\"" + check + "\"[^}]*} ([0-9.]+)$")
            .matcher(metrics);
    assertTrue(m.find(), "no ppruning_health_ready{check=\"" + check + "\"}");
    return Double.parseDouble(m.group(1));
  }
}
