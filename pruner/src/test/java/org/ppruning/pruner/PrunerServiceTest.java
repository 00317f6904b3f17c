package org.ppruning.pruner;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ppruning.service.RenamedKeysInterceptor;
import org.tensorflow.TensorFlow;

@QuarkusTest
class PrunerServiceTest {

  @Test
  void readyWhenTensorFlowLoadsAndWorkDirIsWritable() {
    given()
        .when()
        .get("/q/health/ready")
        .then()
        .statusCode(200)
        .body("status", is("UP"))
        .body("checks.name", hasItem("pruner-runtime"))
        .body(
            "checks.find { it.name == 'pruner-runtime' }.data.tensorflow", is(TensorFlow.version()))
        .body(
            "checks.find { it.name == 'pruner-runtime' }.data.work-dir",
            is(Path.of("target/work").toAbsolutePath().toString()));
  }

  @Test
  void readyWithKafkaSwitchedOff() {
    // The test profile turns the consumer off; *IT tests run the packaged app against a broker.
    given()
        .when()
        .get("/q/health/ready")
        .then()
        .statusCode(200)
        .body("checks.find { it.name == 'pruner' }.status", is("UP"))
        .body("checks.find { it.name == 'pruner' }.data.state", is("disabled"));
  }

  @Test
  void servesPrometheusMetrics() {
    given()
        .when()
        .get("/q/metrics")
        .then()
        .statusCode(200)
        .body(containsString("jvm_memory_used_bytes"));
  }

  @Test
  void theOldKafkaKeysAreRefusedByNameAsTheConfigurationIsRead() {
    var config =
        new SmallRyeConfigBuilder()
            .withInterceptors(new RenamedKeysInterceptor())
            .withSources(
                new PropertiesConfigSource(
                    Map.of(
                        "ppruning.pruner.kafka.summaries-topic", "s",
                        "ppruning.pruner.kafka.bootstrap-servers", "h:9092"),
                    "test",
                    100))
            .build();
    var e = assertThrows(IllegalArgumentException.class, config::getPropertyNames);
    assertEquals(
        "renamed configuration keys: ppruning.pruner.kafka.bootstrap-servers is now"
            + " kafka.bootstrap.servers; ppruning.pruner.kafka.summaries-topic is now"
            + " ppruning.pruner.kafka.topics.summaries (see docs/operations.md)",
        e.getMessage());
  }
}
