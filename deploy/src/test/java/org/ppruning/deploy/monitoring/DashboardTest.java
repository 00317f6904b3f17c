package org.ppruning.deploy.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The dashboard parses, is current Grafana JSON with a Prometheus data source variable that every
 * panel and query uses, and each of its queries names at least one metric; the metric-name
 * extraction is shown on known expressions. That every name exists in a running service is
 * org.ppruning.system.OperationsIT.
 */
class DashboardTest {

  @Test
  void dashboardParsesAndEveryQueryUsesTheDataSourceVariable() {
    JsonNode d = Dashboard.load().json();
    assertTrue(d.path("schemaVersion").asInt() >= 39, "schemaVersion " + d.path("schemaVersion"));
    assertEquals("ppruning-services", d.path("uid").asText());
    JsonNode ds = d.path("templating").path("list").get(0);
    assertEquals("datasource", ds.path("type").asText());
    assertEquals("prometheus", ds.path("query").asText());
    Set<Integer> ids = new HashSet<>();
    int queries = 0;
    for (JsonNode p : d.path("panels")) {
      assertTrue(ids.add(p.path("id").asInt()), "panel id " + p.path("id") + " twice");
      if (p.path("type").asText().equals("row")) {
        continue;
      }
      String title = p.path("title").asText();
      assertEquals("${datasource}", p.path("datasource").path("uid").asText(), title);
      assertFalse(p.path("targets").isEmpty(), title + ": no query");
      for (JsonNode t : p.path("targets")) {
        assertEquals("${datasource}", t.path("datasource").path("uid").asText(), title);
        String expr = t.path("expr").asText();
        assertFalse(Dashboard.metricNames(expr).isEmpty(), title + ": no metric in " + expr);
        queries++;
      }
    }
    assertTrue(queries >= 40, queries + " queries");
  }

  @Test
  void panelsCoverEveryServiceTheJvmAndReadiness() {
    Set<String> names = Dashboard.load().metricNames();
    for (String prefix :
        List.of(
            "ppruning_profiler_",
            "ppruning_pruner_",
            "ppruning_finetuner_",
            "ppruning_serving_requests_seconds_bucket",
            "ppruning_serving_errors_total",
            "ppruning_health_ready",
            "jvm_memory_used_bytes",
            "jvm_gc_pause_seconds")) {
      assertTrue(names.stream().anyMatch(n -> n.startsWith(prefix)), prefix + " in " + names);
    }
  }

  @Test
  void metricNamesAreTheSelectedSeriesOnly() {
    assertEquals(
        Set.of("foo_seconds_bucket"),
        Dashboard.metricNames(
            "histogram_quantile(0.99, sum by (le, method) (rate(foo_seconds_bucket{job=~\"$job\","
                + " code!=\"a(b) c\"}[$__rate_interval])))"));
    assertEquals(
        Set.of("a_sum", "a_count", "ts_seconds"),
        Dashboard.metricNames(
            "sum(rate(a_sum[5m])) / sum(rate(a_count[5m])) + time() - max by (task) (ts_seconds >"
                + " 1e-4) offset 5m"));
    assertEquals(
        Set.of("up_total", "x"),
        Dashboard.metricNames("up_total * on (instance) group_left (task) x unless bool 0"));
    assertEquals(Set.of("ready"), Dashboard.metricNames("label_values(ready{job=\"x\"}, job)"));
  }

  @Test
  void exposedNamesAreTheSampleLines() {
    String text =
        "# HELP t_seconds x\n# TYPE t_seconds histogram\n"
            + "t_seconds_bucket{le=\"0.1\"} 1.0\nt_seconds_count 1.0\nt_seconds_sum 0.05\n"
            + "c_total{reason=\"a\"} 0.0\n";
    assertEquals(
        Set.of("t_seconds_bucket", "t_seconds_count", "t_seconds_sum", "c_total"),
        Dashboard.exposed(text));
  }
}
