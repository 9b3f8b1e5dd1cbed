package io.abcstream.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KafkaClientPropertiesTest {

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(
            "nothing under the prefix", Map.of("job.name", "x"), Map.of(), Map.of(), Map.of()),
        Arguments.of(
            "a plain property",
            Map.of("kafka.properties.security.protocol", "SSL"),
            Map.of("security.protocol", "SSL"),
            Map.of(),
            Map.of()),
        Arguments.of(
            "a secret by environment variable",
            Map.of("kafka.secret-env.sasl.jaas.config", "JAAS"),
            Map.of(),
            Map.of("sasl.jaas.config", "JAAS"),
            Map.of()),
        Arguments.of(
            "a secret by file",
            Map.of("kafka.secret-file.ssl.truststore.password", "/run/secrets/pw"),
            Map.of(),
            Map.of(),
            Map.of("ssl.truststore.password", "/run/secrets/pw")),
        Arguments.of(
            "the job's own kafka keys are not client properties",
            Map.of(
                "kafka.input-topic",
                "t",
                "kafka.bootstrap-servers",
                "h:1",
                "kafka.properties.acks",
                "all"),
            Map.of("acks", "all"),
            Map.of(),
            Map.of()),
        Arguments.of(
            "another prefix is ignored",
            Map.of("other.properties.acks", "all"),
            Map.of(),
            Map.of(),
            Map.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void readsTheThreeKindsOfClientSettingsUnderThePrefix(
      String name,
      Map<String, String> config,
      Map<String, String> plain,
      Map<String, String> env,
      Map<String, String> files) {
    assertThat(KafkaClientProperties.parse("h:9092", config, "kafka."))
        .isEqualTo(new KafkaClientConfig("h:9092", plain, env, files));
  }
}
