package io.abcstream.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.testkit.LocalStack;
import io.abcstream.testkit.LocalStackExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Secret properties reach a real Kafka client from a file, never through the configuration. */
@ExtendWith(LocalStackExtension.class)
class KafkaSecretsITCase {

  @TempDir Path secrets;

  @Test
  void secretFromAFileIsResolvedByTheClientAndAbsentFromTheProperties(LocalStack stack)
      throws Exception {
    Files.writeString(secrets.resolve("client-id"), "abc-secret-client-7\n");
    KafkaClientConfig config =
        new KafkaClientConfig(
            stack.kafkaBootstrapServers(),
            Map.of("acks", "all"),
            Map.of(),
            Map.of("client.id", secrets.resolve("client-id").toString()));

    Properties props = config.toProperties();
    assertThat(props.values()).noneMatch(v -> v.toString().contains("abc-secret-client-7"));
    assertThat(props.getProperty("client.id")).startsWith("${directory:");

    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(LocalStack.uniqueName("secrets"), new byte[] {1})).get();
      assertThat(producer.metrics().keySet())
          .anySatisfy(
              name -> assertThat(name.tags()).containsEntry("client-id", "abc-secret-client-7"));
    }
  }

  @Test
  void secretFromTheEnvironmentIsAPlaceholder() {
    KafkaClientConfig config =
        new KafkaClientConfig(
            "127.0.0.1:1", Map.of(), Map.of("sasl.jaas.config", "KAFKA_JAAS"), Map.of());
    Properties props = config.toProperties();
    assertThat(props.getProperty("sasl.jaas.config")).isEqualTo("${env:KAFKA_JAAS}");
    assertThat(props.getProperty("config.providers")).isEqualTo("env,directory");
  }
}
