package org.ppruning.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.OptionalDouble;

/**
 * Reads one figure from a service's Prometheus endpoint ({@code /q/metrics}) for progress lines.
 */
public final class ServiceMetrics {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private ServiceMetrics() {}

  /**
   * The sum of the samples of {@code metric} whose labels contain {@code label} (e.g. {@code
   * task="sentiment"}, or "" for all); empty if the service does not answer or has no such metric
   * yet.
   */
  public static OptionalDouble read(URI service, String metric, String label) {
    String body;
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(service.resolve("/q/metrics"))
                  .timeout(Duration.ofSeconds(3))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return OptionalDouble.empty();
      }
      body = r.body();
    } catch (IOException e) {
      return OptionalDouble.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalDouble.empty();
    }
    double sum = 0;
    boolean found = false;
    for (String line : body.split("\n")) {
      if (line.startsWith("#")
          || !(line.startsWith(metric + "{") || line.startsWith(metric + " "))) {
        continue;
      }
      int brace = line.indexOf('}');
      String labels = brace < 0 ? "" : line.substring(metric.length(), brace + 1);
      if (!labels.contains(label)) {
        continue;
      }
      String value = line.substring(line.lastIndexOf(' ') + 1);
      sum += Double.parseDouble(value);
      found = true;
    }
    return found ? OptionalDouble.of(sum) : OptionalDouble.empty();
  }
}
