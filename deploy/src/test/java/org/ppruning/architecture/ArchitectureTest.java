package org.ppruning.architecture;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dependency rules of {@link ModuleRules} over the main classes of every module (this module's
 * test classpath holds them all), and proof that a rule fails on a wrong import.
 */
class ArchitectureTest {
  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            // core's test fixtures reach this module as a jar (ppruning-core-*-tests.jar) when the
            // reactor has packaged it: not main classes either.
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages("org.ppruning");
    // Each module's main classes are there, or the rules below would pass on nothing.
    for (String probe :
        new String[] {
          "org.ppruning.model.ModelSpec",
          "org.ppruning.cli.Main",
          "org.ppruning.service.KafkaClients",
          "org.ppruning.profiler.ProfilerService",
          "org.ppruning.pruner.PrunerService",
          "org.ppruning.finetuner.TrainingLoop"
        }) {
      assertTrue(main.contain(probe), probe + " was not imported");
    }
  }

  @Test
  void theLibraryUsesNothingOfTheAppTheServicesOrTheirFrameworks() {
    ModuleRules.libraryStaysALibrary(ModuleRules.CORE).check(main);
  }

  @Test
  void serviceCommonKnowsNeitherTheServicesNorTheApp() {
    ModuleRules.serviceCommonIsShared().check(main);
  }

  @Test
  void servicesDependOnNeitherTheAppNorEachOther() {
    ModuleRules.servicesAreIndependent().forEach(rule -> rule.check(main));
  }

  @Test
  void theAppUsesOnlyTheKafkaKeysOfServiceCommon() {
    ModuleRules.appUsesOnlyTheKafkaKeys().forEach(rule -> rule.check(main));
  }

  @Test
  void onlyOnnxReferenceAndTheAppUseOnnxRuntime() {
    ModuleRules.onnxRuntimeStaysOutOfTheServices().forEach(rule -> rule.check(main));
  }

  @Test
  void aLibraryClassThatImportsTheCommandLineFailsTheRule() {
    // The fixture package stands for a library package; its one class imports org.ppruning.cli.
    JavaClasses fixture =
        new ClassFileImporter().importPackages("org.ppruning.architecture.fixture");
    assertFalse(fixture.isEmpty());
    ArchRule rule = ModuleRules.libraryStaysALibrary("org.ppruning.architecture.fixture..");
    AssertionError e = assertThrows(AssertionError.class, () -> rule.check(fixture));
    assertTrue(
        e.getMessage().contains("WrongWayImport")
            && e.getMessage().contains("org.ppruning.cli.Main"),
        e.getMessage());
  }
}
