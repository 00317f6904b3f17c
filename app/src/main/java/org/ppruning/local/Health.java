package org.ppruning.local;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A service's readiness as its SmallRye health endpoint reports it. */
public enum Health {
  /** {@code /q/health/ready} answered 200 (every readiness check up). */
  UP("UP"),
  /** It answered, with anything but 200 (503: a readiness check is down). */
  DOWN("DOWN"),
  /** Nothing answered HTTP on the port. */
  UNREACHABLE("unreachable");

  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String label;

  Health(String label) {
    this.label = label;
  }

  /** As printed by {@code status} and in its JSON. */
  public String label() {
    return label;
  }

  /** Asks {@code http://127.0.0.1:PORT/q/health/ready}. */
  public static Health ready(int port) {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
            .timeout(Duration.ofSeconds(5))
            .GET()
            .build();
    try {
      int code = CLIENT.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
      return code == 200 ? UP : DOWN;
    } catch (IOException e) {
      return UNREACHABLE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return UNREACHABLE;
    }
  }
}
