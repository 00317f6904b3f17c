package org.ppruning.pruner;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.tensorflow.TensorFlow;

@QuarkusTest
class PrunerServiceTest {

    @Test
    void readyWhenTensorFlowLoadsAndWorkDirIsWritable() {
        given().when().get("/q/health/ready")
                .then().statusCode(200)
                .body("status", is("UP"))
                .body("checks.name", hasItem("pruner-runtime"))
                .body("checks.find { it.name == 'pruner-runtime' }.data.tensorflow", is(TensorFlow.version()))
                .body("checks.find { it.name == 'pruner-runtime' }.data.work-dir",
                        is(Path.of("target/work").toAbsolutePath().toString()));
    }

    @Test
    void readyWithKafkaSwitchedOff() {
        // The test profile turns the consumer off; *IT tests run the packaged app against a broker.
        given().when().get("/q/health/ready")
                .then().statusCode(200)
                .body("checks.find { it.name == 'pruner' }.status", is("UP"))
                .body("checks.find { it.name == 'pruner' }.data.state", is("disabled"));
    }

    @Test
    void servesPrometheusMetrics() {
        given().when().get("/q/metrics")
                .then().statusCode(200)
                .body(containsString("jvm_memory_used_bytes"));
    }
}
