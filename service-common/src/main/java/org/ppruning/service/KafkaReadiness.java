package org.ppruning.service;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * {@code <service>-kafka}: DOWN while the service cannot reach its broker, with data {@code
 * bootstrap} (the bootstrap servers) and {@code error} (a {@link BrokerProblem} message naming them
 * and, on an authentication failure, the setting to fix). Fed by a {@link BrokerProbe} that runs
 * from start-up to shutdown with the service's own admin client configuration ({@code kafka.*} and
 * {@code ppruning.<service>.kafka.admin.*}), every {@code ppruning.<service>.kafka
 * .probe-interval}. UP without a probe when the service uses no Kafka client.
 */
@Readiness
@ApplicationScoped
public class KafkaReadiness implements HealthCheck {
  private final ServiceIdentity service;
  private volatile BrokerProbe probe;
  private volatile String bootstrap = "";
  private volatile String refused; // a configuration no probe can work with

  KafkaReadiness(ServiceIdentity service) {
    this.service = service;
  }

  void onStart(@Observes StartupEvent e) {
    KafkaSettings settings = service.kafka();
    if (settings == null) {
      return;
    }
    Map<String, String> shared = KafkaClients.sharedKeys(ConfigProvider.getConfig());
    bootstrap = shared.getOrDefault("bootstrap.servers", "");
    try {
      KafkaClients clients = new KafkaClients(shared, settings, "ppruning-" + service.name());
      probe =
          new BrokerProbe(
                  service.name() + "-kafka-probe",
                  clients.adminConfig(Map.of()),
                  clients.bootstrap(),
                  settings.probeInterval())
              .start();
    } catch (IllegalArgumentException ex) {
      refused = ex.getMessage();
    }
  }

  void onStop(@Observes ShutdownEvent e) {
    BrokerProbe p = probe;
    if (p != null) {
      p.close();
    }
  }

  @Override
  public HealthCheckResponse call() {
    var r = HealthCheckResponse.named(service.name() + "-kafka");
    if (service.kafka() == null) {
      return r.up().withData("kafka", "not used by this service").build();
    }
    r.withData("bootstrap", bootstrap);
    BrokerProbe p = probe;
    String error =
        refused != null
            ? refused
            : p == null ? "not started yet" : p.state().up() ? null : p.state().error();
    return (error == null ? r.up() : r.down().withData("error", error)).build();
  }
}
