package org.ppruning.profiler;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.fail;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.tensorflow.TensorFlow;

/**
 * The service without a broker and with a model that does not exist (the %test profile): the
 * runtime check passes, the profiler reports the load failure instead of hanging, and the metrics
 * are published. The Kafka paths are tested against a real broker in the *IT classes.
 */
@QuarkusTest
class ProfilerServiceTest {

  /** Polls liveness until the model load has failed (it runs on its own thread). */
  static JsonPath failedLiveness() throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < deadline) {
      JsonPath live = given().get("/q/health/live").then().extract().jsonPath();
      if ("FAILED"
          .equals(live.getString("checks.find { it.name == 'profiler-loop' }.data.phase"))) {
        return live;
      }
      Thread.sleep(200);
    }
    return fail("the profiler did not report the missing model within 60 s");
  }

  @Test
  void aModelThatCannotLoadKeepsReadinessDownAndIsNamed() throws InterruptedException {
    JsonPath live = failedLiveness();
    String error = live.getString("checks.find { it.name == 'profiler-loop' }.data.error");
    if (!error.contains("no-such-model")) {
      fail("error does not name the model: " + error);
    }
    given()
        .when()
        .get("/q/health/ready")
        .then()
        .statusCode(503)
        .body("checks.find { it.name == 'profiler-consumer' }.status", is("DOWN"))
        .body(
            "checks.find { it.name == 'profiler-consumer' }.data.error",
            containsString("no-such-model"))
        .body("checks.find { it.name == 'profiler-runtime' }.status", is("UP"))
        .body(
            "checks.find { it.name == 'profiler-runtime' }.data.tensorflow",
            is(TensorFlow.version()))
        .body(
            "checks.find { it.name == 'profiler-runtime' }.data.work-dir",
            is(Path.of("target/work").toAbsolutePath().toString()));
  }

  @Test
  void servesPrometheusMetrics() {
    given()
        .when()
        .get("/q/metrics")
        .then()
        .statusCode(200)
        .body(containsString("jvm_memory_used_bytes"))
        .body(containsString("ppruning_profiler_consumer_lag"))
        .body(containsString("ppruning_profiler_batch_latency_seconds_count 0.0"))
        .body(containsString("ppruning_profiler_rejected_total{reason=\"MALFORMED_JSON\"} 0.0"));
  }
}
