package io.abcstream.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The rules the build checks report a violation: evaluated on sample classes that break them. */
class ArchitectureRulesTest {
  private static final String SAMPLES = "io.abcstream.architecture.samples";
  private static JavaClasses samples;

  @BeforeAll
  static void importSamples() {
    samples = new ClassFileImporter().importPackages(SAMPLES);
  }

  private static String violations(ArchRule rule) {
    EvaluationResult r = rule.evaluate(samples);
    assertThat(r.hasViolation()).as(rule.getDescription()).isTrue();
    return String.join("\n", r.getFailureReport().getDetails());
  }

  @Test
  void modelImportingFlinkIsReported() {
    assertThat(violations(ArchitectureRules.modelKnowsNoFrameworkOrSchemas(SAMPLES)))
        .contains("BadModelClass", "org.apache.flink.configuration.Configuration");
  }

  @Test
  void modelUsingAHigherModuleIsReported() {
    assertThat(violations(ArchitectureRules.modelUsesOnlyCommon(SAMPLES)))
        .contains("BadModelClass", "SampleJob");
    assertThat(violations(ArchitectureRules.layers(SAMPLES)))
        .contains("BadModelClass", "SampleJob");
  }

  @Test
  void moduleCycleIsReported() {
    assertThat(violations(ArchitectureRules.noModuleCycles(SAMPLES))).contains("model", "jobs");
  }

  @Test
  void documentFieldInTheElasticsearchConnectorIsReported() {
    assertThat(violations(ArchitectureRules.elasticsearchConnectorHasNoDocumentFields(SAMPLES)))
        .contains("FieldNamingSink", "request_id");
  }

  @Test
  void rulesPassOnClassesThatComply() {
    JavaClasses sink =
        new ClassFileImporter().importPackages(SAMPLES + ".connectors.elasticsearch");
    assertThat(
            ArchitectureRules.kafkaConnectorIndependentOfElasticsearch(SAMPLES)
                .evaluate(sink)
                .hasViolation())
        .isFalse();
    assertThat(ArchitectureRules.fetchIsStandalone(SAMPLES).evaluate(samples).hasViolation())
        .isFalse();
  }
}
