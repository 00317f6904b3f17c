package org.ppruning.local;

import java.nio.file.Path;
import java.util.List;

/** The three ppruning services: Maven module, default ports and the work-dir key they read. */
public enum Service {
  PROFILER("profiler", 8081, 0),
  PRUNER("pruner", 8082, 0),
  FINETUNER("finetuner", 8083, 9000);

  private final String id;
  private final int defaultHttpPort;
  private final int defaultGrpcPort;

  Service(String id, int defaultHttpPort, int defaultGrpcPort) {
    this.id = id;
    this.defaultHttpPort = defaultHttpPort;
    this.defaultGrpcPort = defaultGrpcPort;
  }

  /** Module and process name: {@code profiler}, {@code pruner}, {@code finetuner}. */
  public String id() {
    return id;
  }

  public int defaultHttpPort() {
    return defaultHttpPort;
  }

  /** 0 when the service has no gRPC server. */
  public int defaultGrpcPort() {
    return defaultGrpcPort;
  }

  public boolean hasGrpc() {
    return defaultGrpcPort != 0;
  }

  /** The Quarkus fast-jar launcher the build writes. */
  public Path jar(Path projectDir) {
    return projectDir.resolve(id).resolve("target/quarkus-app/quarkus-run.jar");
  }

  /**
   * What a change to invalidates the jar: the sources and poms of the module, core and
   * service-common.
   */
  public List<Path> sources(Path projectDir) {
    return List.of(
        projectDir.resolve(id).resolve("src/main"),
        projectDir.resolve(id).resolve("pom.xml"),
        projectDir.resolve("core/src/main"),
        projectDir.resolve("core/pom.xml"),
        projectDir.resolve("service-common/src/main"),
        projectDir.resolve("service-common/pom.xml"),
        projectDir.resolve("pom.xml"));
  }

  /** The service's existing config key for its work directory. */
  public String workDirKey() {
    return "ppruning." + id + ".work-dir";
  }

  public static Service byId(String id) {
    for (Service s : values()) {
      if (s.id.equals(id)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown service '" + id + "' (profiler, pruner, finetuner)");
  }
}
