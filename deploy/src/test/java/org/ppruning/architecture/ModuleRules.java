package org.ppruning.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.lang.ArchRule;
import java.util.List;

/**
 * Which way dependencies may point between the modules, by package (every module's classes share
 * the {@code org.ppruning} root, so a module is the set of packages it owns):
 *
 * <pre>
 *   core  <-  service-common  <-  profiler, pruner, finetuner
 *   core  <-  app (command line, local runtime, demo, benchmarks)
 * </pre>
 *
 * Maven already refuses a module that imports one it does not depend on; these rules also catch a
 * library class that reaches for a framework (picocli, Kafka, Quarkus, gRPC) and keep the services
 * from depending on each other or on the app.
 */
final class ModuleRules {
  private ModuleRules() {}

  /** The library's packages (ppruning-core). */
  static final String[] CORE = {
    "org.ppruning.model..",
    "org.ppruning.graph..",
    "org.ppruning.importer..",
    "org.ppruning.pruning..",
    "org.ppruning.features..",
    "org.ppruning.summary..",
    "org.ppruning.stream..",
    "org.ppruning.train..",
    "org.ppruning.data..",
    "org.ppruning.tokenize..",
    "org.ppruning.fetch..",
    "org.ppruning.serve..",
    "org.ppruning.catalog..",
    "org.ppruning.eval..",
    "org.ppruning.util.."
  };

  /** ppruning-app. */
  static final String[] APP = {
    "org.ppruning.cli..", "org.ppruning.local..", "org.ppruning.bench..", "org.ppruning.demo.."
  };

  /** ppruning-service-common. */
  static final String[] SERVICE_COMMON = {"org.ppruning.service.."};

  /** The three services (their generated gRPC classes are in org.ppruning.serving). */
  static final String[] SERVICES = {
    "org.ppruning.profiler..",
    "org.ppruning.pruner..",
    "org.ppruning.finetuner..",
    "org.ppruning.serving.."
  };

  /** What a library class may not use: the app, the services and their frameworks. */
  static ArchRule libraryStaysALibrary(String... library) {
    return noClasses()
        .that()
        .resideInAnyPackage(library)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            concat(
                APP,
                SERVICE_COMMON,
                SERVICES,
                new String[] {
                  "picocli..",
                  "org.apache.kafka..",
                  "io.quarkus..",
                  "io.grpc..",
                  "jakarta.enterprise..",
                  "org.eclipse.microprofile.."
                }))
        .because(
            "the library holds the model and algorithm code and nothing of the command"
                + " line or the services (docs/architecture.md)");
  }

  /** service-common serves the services: it knows neither them nor the app. */
  static ArchRule serviceCommonIsShared() {
    return noClasses()
        .that()
        .resideInAnyPackage(SERVICE_COMMON)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(concat(APP, SERVICES, new String[] {"picocli.."}))
        .because("service-common is what the three services share");
  }

  /** The one class of service-common the command line uses: the shared Kafka keys. */
  static final String KAFKA_KEYS = "org.ppruning.service.KafkaKeys";

  /**
   * The app reaches into service-common only for {@code KafkaKeys} (the demo's Kafka clients read
   * the services' keys), and that class uses nothing but the JDK, so the app's dependency on
   * service-common can exclude Quarkus and the rest.
   */
  static List<ArchRule> appUsesOnlyTheKafkaKeys() {
    return List.of(
        noClasses()
            .that()
            .resideInAnyPackage(APP)
            .should()
            .dependOnClassesThat(
                com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage(
                        SERVICE_COMMON)
                    .and(
                        com.tngtech.archunit.base.DescribedPredicate.not(
                            com.tngtech.archunit.core.domain.JavaClass.Predicates.type(
                                org.ppruning.service.KafkaKeys.class))))
            .because("the command line has no Quarkus; it shares only the Kafka keys"),
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes()
            .that()
            .haveFullyQualifiedName(KAFKA_KEYS)
            .should()
            .onlyDependOnClassesThat(
                com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage("java..")
                    .or(
                        com.tngtech.archunit.core.domain.JavaClass.Predicates.type(
                            org.ppruning.service.KafkaKeys.class)))
            .because("the app loads it without service-common's dependencies"));
  }

  /** A service depends on the library and service-common, never on the app or another service. */
  static List<ArchRule> servicesAreIndependent() {
    String[][] own = {
      {"org.ppruning.profiler.."},
      {"org.ppruning.pruner.."},
      {"org.ppruning.finetuner..", "org.ppruning.serving.."}
    };
    return java.util.Arrays.stream(own)
        .map(
            mine ->
                (ArchRule)
                    noClasses()
                        .that()
                        .resideInAnyPackage(mine)
                        .should()
                        .dependOnClassesThat()
                        .resideInAnyPackage(concat(APP, others(mine), new String[] {"picocli.."}))
                        .because(
                            "services are adapters over the library; they share code through"
                                + " service-common"))
        .toList();
  }

  /**
   * onnxruntime is an optional dependency of core that the services do not carry (their images
   * leave it out): only {@code OnnxReference} (and its nested classes) may use it, and neither the
   * services nor service-common may use {@code OnnxReference}, so no service code path reaches it.
   */
  static List<ArchRule> onnxRuntimeStaysOutOfTheServices() {
    var onnxReference =
        com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf(
            org.ppruning.importer.onnx.OnnxReference.class);
    return List.of(
        noClasses()
            .that()
            .resideInAnyPackage(CORE)
            .and(com.tngtech.archunit.base.DescribedPredicate.not(onnxReference))
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("ai.onnxruntime..")
            .orShould()
            .dependOnClassesThat(onnxReference)
            .because(
                "onnxruntime is optional in core: only OnnxReference (ppruning verify) runs it"),
        noClasses()
            .that()
            .resideInAnyPackage(concat(SERVICE_COMMON, SERVICES))
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("ai.onnxruntime..")
            .orShould()
            .dependOnClassesThat(onnxReference)
            .because("the service images do not carry onnxruntime (core declares it optional)"));
  }

  private static String[] others(String[] mine) {
    List<String> mineList = List.of(mine);
    return java.util.Arrays.stream(SERVICES)
        .filter(s -> !mineList.contains(s))
        .toArray(String[]::new);
  }

  static String[] concat(String[]... parts) {
    return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
  }
}
