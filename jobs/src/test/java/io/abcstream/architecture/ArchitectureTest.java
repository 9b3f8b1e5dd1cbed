package io.abcstream.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The module boundaries of ArchitectureRules hold for every module's main classes. */
class ArchitectureTest {
  private static final String ROOT = "io.abcstream";
  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);
  }

  @Test
  void modelKnowsNoFrameworkOrSchemas() {
    ArchitectureRules.modelKnowsNoFrameworkOrSchemas(ROOT).check(classes);
  }

  @Test
  void modelUsesOnlyCommon() {
    ArchitectureRules.modelUsesOnlyCommon(ROOT).check(classes);
  }

  @Test
  void commonIsJdkOnly() {
    ArchitectureRules.commonIsJdkOnly(ROOT).check(classes);
  }

  @Test
  void elasticsearchConnectorIsGeneric() {
    ArchitectureRules.elasticsearchConnectorIsGeneric(ROOT).check(classes);
  }

  @Test
  void connectorsDoNotUseTheDocument() {
    ArchitectureRules.connectorsDoNotUseTheDocument(ROOT).check(classes);
  }

  @Test
  void elasticsearchConnectorHasNoDocumentFields() {
    ArchitectureRules.elasticsearchConnectorHasNoDocumentFields(ROOT).check(classes);
  }

  @Test
  void kafkaConnectorIndependentOfElasticsearch() {
    ArchitectureRules.kafkaConnectorIndependentOfElasticsearch(ROOT).check(classes);
  }

  @Test
  void fetchIsStandalone() {
    ArchitectureRules.fetchIsStandalone(ROOT).check(classes);
  }

  @Test
  void noModuleCycles() {
    ArchitectureRules.noModuleCycles(ROOT).check(classes);
  }

  @Test
  void layers() {
    ArchitectureRules.layers(ROOT).check(classes);
  }
}
