package org.ppruning.cli;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ppruning.local.LocalRuntime;
import org.ppruning.local.RuntimeStatus;
import org.ppruning.local.Service;
import org.ppruning.local.UpOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ppruning up}: the broker and the three services, locally, detached. */
@Command(
    name = "up",
    description =
        "Start a Kafka broker and the profiler, pruner and finetuner locally "
            + "(building them if needed) and wait until they are ready.")
final class UpCommand implements Callable<Integer> {
  @Mixin RunDirOption runDir;

  @Option(
      names = "--kafka-port",
      defaultValue = "9092",
      paramLabel = "PORT",
      description =
          "Client port of the broker up starts (default ${DEFAULT-VALUE}; its controller: +1).")
  int kafkaPort;

  @Option(
      names = "--bootstrap",
      paramLabel = "HOST:PORT",
      description = "Use this existing broker; do not start one.")
  String bootstrap;

  @Option(
      names = "--profiler-port",
      defaultValue = "8081",
      paramLabel = "PORT",
      description = "Profiler HTTP port (default ${DEFAULT-VALUE}).")
  int profilerPort;

  @Option(
      names = "--pruner-port",
      defaultValue = "8082",
      paramLabel = "PORT",
      description = "Pruner HTTP port (default ${DEFAULT-VALUE}).")
  int prunerPort;

  @Option(
      names = "--finetuner-port",
      defaultValue = "8083",
      paramLabel = "PORT",
      description = "Finetuner HTTP port (default ${DEFAULT-VALUE}).")
  int finetunerPort;

  @Option(
      names = "--grpc-port",
      defaultValue = "9000",
      paramLabel = "PORT",
      description = "Finetuner gRPC port (default ${DEFAULT-VALUE}).")
  int grpcPort;

  @Option(
      names = "--timeout",
      defaultValue = "180",
      paramLabel = "SECONDS",
      description =
          "Wait at most this long for the services to be ready (default ${DEFAULT-VALUE}).")
  long timeout;

  @Option(
      names = "--service-opt",
      paramLabel = "KEY=VALUE",
      description =
          "A system property for every service (e.g. kafka.security.protocol=SASL_SSL); repeatable.")
  List<String> serviceOpts = new ArrayList<>();

  @Option(
      names = "--jvm-opt",
      paramLabel = "OPTION",
      description =
          "A JVM option for every service (e.g. -Xmx4g); repeatable. Also: env PPRUNING_SERVICE_OPTS.")
  List<String> jvmOpts = new ArrayList<>();

  @Option(names = "--no-build", description = "Never build; use the services' jars as they are.")
  boolean noBuild;

  @Option(names = "--json", description = "Print one JSON object (as 'status --json').")
  boolean json;

  @Override
  public Integer call() throws IOException {
    List<String> jvm = new ArrayList<>();
    String env = System.getenv("PPRUNING_SERVICE_OPTS");
    if (env != null && !env.isBlank()) {
      jvm.addAll(List.of(env.trim().split("\\s+")));
    }
    jvm.addAll(jvmOpts);
    for (String kv : serviceOpts) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--service-opt must be KEY=VALUE, not '" + kv + "'");
      }
      jvm.add("-D" + kv);
    }
    Map<Service, Integer> http = new EnumMap<>(Service.class);
    http.put(Service.PROFILER, profilerPort);
    http.put(Service.PRUNER, prunerPort);
    http.put(Service.FINETUNER, finetunerPort);
    UpOptions o =
        new UpOptions(
            kafkaPort, bootstrap, http, grpcPort, Duration.ofSeconds(timeout), jvm, !noBuild);
    LocalRuntime rt = runDir.runtime();
    RuntimeStatus st = rt.up(o, System.err);
    if (json) {
      Json.print(st.toJson());
    } else {
      System.out.println(st.toText());
    }
    return st.allUp() ? 0 : 1;
  }
}
