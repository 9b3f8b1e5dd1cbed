package io.abcstream.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What each module may know, as ArchUnit rules over a root package: {@code io.abcstream} for the
 * real check, a samples package for the test that shows each rule reports a violation.
 */
public final class ArchitectureRules {
  /** Field names of ABC's Elasticsearch document, which a generic connector must not know. */
  public static final Set<String> DOCUMENT_FIELDS =
      Set.of("request_id", "image_uri", "instruction", "model_version", "event_time", "indexed_at");

  private ArchitectureRules() {}

  /** model is a library for any runtime: no Flink, no Avro, no wire schemas. */
  public static ArchRule modelKnowsNoFrameworkOrSchemas(String root) {
    return noClasses()
        .that()
        .resideInAPackage(root + ".model..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.apache.flink..", "org.apache.avro..", root + ".schemas..")
        .allowEmptyShould(true);
  }

  /** Of the project's modules, model uses only common. */
  public static ArchRule modelUsesOnlyCommon(String root) {
    return noClasses()
        .that()
        .resideInAPackage(root + ".model..")
        .should()
        .dependOnClassesThat(
            resideInAPackage(root + "..")
                .and(not(resideInAnyPackage(root + ".model..", root + ".common.."))))
        .allowEmptyShould(true);
  }

  /** common is the bottom of the build: the JDK and nothing else. */
  public static ArchRule commonIsJdkOnly(String root) {
    return classes()
        .that()
        .resideInAPackage(root + ".common..")
        .should()
        .onlyDependOnClassesThat(
            resideInAnyPackage(root + ".common..", "java..", "javax..", "jdk..").or(primitive()))
        .allowEmptyShould(true);
  }

  /** The Elasticsearch connector is generic: the job hands it ABC's document. */
  public static ArchRule elasticsearchConnectorIsGeneric(String root) {
    return noClasses()
        .that()
        .resideInAPackage(root + ".connectors.elasticsearch..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(root + ".schemas..", root + ".operators..", root + ".jobs..")
        .allowEmptyShould(true);
  }

  /** No connector uses the document owner. */
  public static ArchRule connectorsDoNotUseTheDocument(String root) {
    return noClasses()
        .that()
        .resideInAPackage(root + ".connectors..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage(root + ".operators.document..")
        .allowEmptyShould(true);
  }

  /** No ABC document field name is a string constant of the Elasticsearch connector. */
  public static ArchRule elasticsearchConnectorHasNoDocumentFields(String root) {
    return classes()
        .that()
        .resideInAPackage(root + ".connectors.elasticsearch..")
        .should(haveNoStringConstantNaming(DOCUMENT_FIELDS))
        .allowEmptyShould(true);
  }

  /** The Kafka connector does not reach into the Elasticsearch one. */
  public static ArchRule kafkaConnectorIndependentOfElasticsearch(String root) {
    return noClasses()
        .that()
        .resideInAPackage(root + ".connectors.kafka..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage(root + ".connectors.elasticsearch..")
        .allowEmptyShould(true);
  }

  /** Fetching images knows HTTP and the model's sniffer, nothing of the pipeline around it. */
  public static ArchRule fetchIsStandalone(String root) {
    return noClasses()
        .that()
        .resideInAPackage(root + ".fetch..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            root + ".schemas..", root + ".connectors..", root + ".operators..", root + ".jobs..")
        .allowEmptyShould(true);
  }

  /** The modules (first package below the root) form no cycle. */
  public static ArchRule noModuleCycles(String root) {
    return slices().matching(root + ".(*)..").should().beFreeOfCycles().allowEmptyShould(true);
  }

  /**
   * Lower modules never use higher ones: common below everything; schemas and model side by side
   * and independent; then fetch, connectors, operators, jobs.
   */
  public static ArchRule layers(String root) {
    return layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .withOptionalLayers(true)
        .layer("Common")
        .definedBy(root + ".common..")
        .layer("Schemas")
        .definedBy(root + ".schemas..")
        .layer("Model")
        .definedBy(root + ".model..")
        .layer("Fetch")
        .definedBy(root + ".fetch..")
        .layer("Connectors")
        .definedBy(root + ".connectors..")
        .layer("Operators")
        .definedBy(root + ".operators..")
        .layer("Jobs")
        .definedBy(root + ".jobs..")
        .whereLayer("Jobs")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("Operators")
        .mayOnlyBeAccessedByLayers("Jobs")
        .whereLayer("Connectors")
        .mayOnlyBeAccessedByLayers("Operators", "Jobs")
        .whereLayer("Fetch")
        .mayOnlyBeAccessedByLayers("Connectors", "Operators", "Jobs")
        .whereLayer("Model")
        .mayOnlyBeAccessedByLayers("Fetch", "Connectors", "Operators", "Jobs")
        .whereLayer("Schemas")
        .mayOnlyBeAccessedByLayers("Fetch", "Connectors", "Operators", "Jobs")
        .allowEmptyShould(true);
  }

  /** Every rule, for the check over the real classes. */
  public static List<ArchRule> all(String root) {
    return List.of(
        modelKnowsNoFrameworkOrSchemas(root),
        modelUsesOnlyCommon(root),
        commonIsJdkOnly(root),
        elasticsearchConnectorIsGeneric(root),
        connectorsDoNotUseTheDocument(root),
        elasticsearchConnectorHasNoDocumentFields(root),
        kafkaConnectorIndependentOfElasticsearch(root),
        fetchIsStandalone(root),
        noModuleCycles(root),
        layers(root));
  }

  private static DescribedPredicate<JavaClass> primitive() {
    return DescribedPredicate.describe("primitive", JavaClass::isPrimitive);
  }

  /**
   * Reads the class file's constant pool: ArchUnit models dependencies, not string literals, and a
   * field name is a literal (or a compile-time constant inlined from elsewhere) in the class file
   * that uses it.
   */
  static ArchCondition<JavaClass> haveNoStringConstantNaming(Set<String> names) {
    return new ArchCondition<>("have no string constant naming " + names) {
      @Override
      public void check(JavaClass c, ConditionEvents events) {
        for (String s : stringConstants(c)) {
          for (String name : names) {
            if (s.equals(name) || s.contains("\"" + name + "\"")) {
              events.add(
                  SimpleConditionEvent.violated(
                      c, c.getName() + " has the string constant \"" + s + "\" naming " + name));
            }
          }
        }
      }
    };
  }

  /** The CONSTANT_String entries of a class file. */
  static List<String> stringConstants(JavaClass c) {
    if (c.getSource().isEmpty()) {
      throw new IllegalStateException(c.getName() + " has no class file to read");
    }
    try (InputStream in = c.getSource().get().getUri().toURL().openStream();
        DataInputStream d = new DataInputStream(in)) {
      if (d.readInt() != 0xCAFEBABE) {
        throw new IllegalStateException(c.getName() + ": not a class file");
      }
      d.readUnsignedShort();
      d.readUnsignedShort();
      int count = d.readUnsignedShort();
      String[] utf8 = new String[count];
      List<Integer> strings = new ArrayList<>();
      for (int i = 1; i < count; i++) {
        int tag = d.readUnsignedByte();
        switch (tag) {
          case 1 -> utf8[i] = d.readUTF();
          case 8 -> strings.add(d.readUnsignedShort());
          case 7, 16, 19, 20 -> d.skipNBytes(2);
          case 15 -> d.skipNBytes(3);
          case 3, 4, 9, 10, 11, 12, 17, 18 -> d.skipNBytes(4);
          case 5, 6 -> {
            d.skipNBytes(8);
            i++; // a long or double takes two slots
          }
          default -> throw new IllegalStateException(c.getName() + ": constant pool tag " + tag);
        }
      }
      List<String> out = new ArrayList<>();
      for (int idx : strings) {
        out.add(utf8[idx]);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
