package io.abcstream.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

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

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "sasl.jaas.config",
        "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
        "ssl.key.password",
        "ssl.keystore.password",
        "ssl.truststore.password",
        "ssl.keystore.key",
        "sasl.oauthbearer.client.credentials.client.secret",
        "basic.auth.user.info",
        "SSL.KEY.PASSWORD"
      })
  void aPlaintextSecretInPropertiesIsRefusedWithThePlaceToPutIt(String name) {
    String value = "org.example.Login required password=\"hunter2\";";
    assertThatThrownBy(
            () ->
                KafkaClientProperties.parse(
                    "h:9092", Map.of("kafka.properties." + name, value), "kafka."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("kafka.properties." + name)
        .hasMessageContaining("kafka.secret-env." + name)
        .hasMessageContaining("kafka.secret-file." + name)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "security.protocol=SASL_SSL",
        "sasl.mechanism=SCRAM-SHA-512",
        "ssl.truststore.location=/etc/kafka/truststore.p12",
        "ssl.truststore.type=PKCS12",
        "sasl.jaas.config=${env:KAFKA_JAAS}",
        "ssl.key.password=${directory:/run/secrets:key-password}"
      })
  void settingsThatAreNotSecretsAndProviderPlaceholdersStayAllowed(String setting) {
    String name = setting.substring(0, setting.indexOf('='));
    String value = setting.substring(setting.indexOf('=') + 1);
    assertThat(
            KafkaClientProperties.parse(
                    "h:9092", Map.of("kafka.properties." + name, value), "kafka.")
                .toProperties())
        .containsEntry(name, value);
  }
}
