package org.ppruning.pruner;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A setting that can never work stops the consumer loop for good, and readiness says why. */
@QuarkusTest
@TestProfile(PrunerFatalTest.BadMethod.class)
class PrunerFatalTest {

  public static class BadMethod implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "ppruning.pruner.kafka.enabled", "true", "ppruning.pruner.method", "no-such-method");
    }
  }

  @Test
  void anInvalidSettingIsFatalAndNamedInReadiness() throws InterruptedException {
    for (int i = 0; i < 100 && !given().get("/q/health/ready").asString().contains("failed"); i++) {
      Thread.sleep(100);
    }
    given()
        .when()
        .get("/q/health/ready")
        .then()
        .statusCode(503)
        .body("checks.find { it.name == 'pruner' }.status", is("DOWN"))
        .body("checks.find { it.name == 'pruner' }.data.state", is("failed"))
        .body("checks.find { it.name == 'pruner' }.data.error", containsString("no-such-method"));
  }
}
