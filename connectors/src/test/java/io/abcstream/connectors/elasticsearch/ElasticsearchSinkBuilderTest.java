package io.abcstream.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

class ElasticsearchSinkBuilderTest {

  private static final ElementConverter<String, IndexOperation> CONVERTER =
      (s, ctx) -> IndexOperation.index("docs", s, "{\"v\":\"" + s + "\"}");

  @Test
  void buildsFromConfigurationAndIsSerializableWithoutSecrets() throws Exception {
    Configuration config = new Configuration();
    config.set(ElasticsearchSinkOptions.HOSTS, List.of("https://es-0:9200", "https://es-1:9200"));
    config.set(ElasticsearchSinkOptions.USERNAME, "writer");
    config.set(ElasticsearchSinkOptions.PASSWORD_ENV, "ES_PASSWORD");
    config.set(ElasticsearchSinkOptions.MAX_BATCH_SIZE, 100);
    config.set(ElasticsearchSinkOptions.MAX_BATCH_SIZE_IN_BYTES, MemorySize.parse("2mb"));
    config.set(ElasticsearchSinkOptions.MAX_RECORD_SIZE_IN_BYTES, MemorySize.parse("1mb"));
    config.set(ElasticsearchSinkOptions.MAX_TIME_IN_BUFFER, Duration.ofMillis(250));
    config.set(ElasticsearchSinkOptions.RETRY_MAX_ATTEMPTS, 4);
    config.set(ElasticsearchSinkOptions.RETRY_ON_EXHAUSTED, RetryPolicy.ExhaustedAction.DEAD_LETTER);

    ElasticsearchSink<String> sink =
        ElasticsearchSink.<String>builder().setConfiguration(config).setElementConverter(CONVERTER).build();

    assertThat(sink.retryPolicy().maxAttempts()).isEqualTo(4);
    assertThat(sink.retryPolicy().exhaustedAction()).isEqualTo(RetryPolicy.ExhaustedAction.DEAD_LETTER);
    // The job graph carries configuration only: it serialises, and holds the env var's name, not a value.
    byte[] bytes = InstantiationUtil.serializeObject(sink);
    assertThat(new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1)).contains("ES_PASSWORD");
    ElasticsearchSink<String> copy = InstantiationUtil.deserializeObject(bytes, getClass().getClassLoader());
    assertThat(copy.retryPolicy().maxAttempts()).isEqualTo(4);
    assertThat(copy.retryPolicy().exhaustedAction()).isEqualTo(RetryPolicy.ExhaustedAction.DEAD_LETTER);
  }

  @Test
  void checkedSettersRejectNonsense() {
    ElasticsearchSinkBuilder<String> builder = ElasticsearchSink.builder();
    assertThatThrownBy(() -> builder.setMaxBatchSize(0)).hasMessageContaining("batch.max-actions");
    assertThatThrownBy(() -> builder.setMaxTimeInBuffer(Duration.ZERO)).hasMessageContaining("batch.max-time");
    assertThatThrownBy(() -> builder.setRetryBackoff(Duration.ofSeconds(5), Duration.ofSeconds(1)))
        .hasMessageContaining("retry.initial-backoff");
    assertThatThrownBy(() -> builder.setHosts("es:9200")).hasMessageContaining("http:// or https://");
  }

  @Test
  void buildValidatesTheCombination() {
    assertThatThrownBy(() -> ElasticsearchSink.<String>builder().setHosts("http://localhost:9200").build())
        .hasMessageContaining("element converter");
    assertThatThrownBy(() -> ElasticsearchSink.<String>builder().setElementConverter(CONVERTER).build())
        .hasMessageContaining("hosts");
    assertThatThrownBy(
            () ->
                ElasticsearchSink.<String>builder()
                    .setHosts("http://localhost:9200")
                    .setElementConverter(CONVERTER)
                    .setMaxBatchSize(100)
                    .setMaxBufferedRequests(100)
                    .build())
        .hasMessageContaining("requests.max-buffered");
    assertThatThrownBy(
            () ->
                ElasticsearchSink.<String>builder()
                    .setHosts("http://localhost:9200")
                    .setElementConverter(CONVERTER)
                    .setRequestTimeout(Duration.ofSeconds(30))
                    .build())
        .hasMessageContaining("request.timeout");
  }

  @Test
  void connectionConfigNeedsPasswordWithUsernameAndOneAuthKind() {
    assertThatThrownBy(() -> ElasticsearchConnectionConfig.builder().setHosts("http://h:9200").setUsername("u").build())
        .hasMessageContaining("password");
    assertThatThrownBy(
            () ->
                ElasticsearchConnectionConfig.builder()
                    .setHosts("http://h:9200")
                    .setUsername("u")
                    .setPassword(SecretRef.env("P"))
                    .setApiKey(SecretRef.env("K"))
                    .build())
        .hasMessageContaining("either an API key");
  }

  @Test
  void secretsResolveFromEnvOrFileAndNeverPrintTheValue() throws Exception {
    assertThat(SecretRef.env("ES_PW").resolve(name -> "s3cret")).isEqualTo("s3cret");
    assertThatThrownBy(() -> SecretRef.env("ES_PW").resolve(name -> null)).hasMessageContaining("ES_PW");
    java.nio.file.Path file = java.nio.file.Files.createTempFile("pw", ".txt");
    java.nio.file.Files.writeString(file, "from-file\n");
    assertThat(SecretRef.file(file.toString()).resolve()).isEqualTo("from-file");
    assertThat(SecretRef.file(file.toString()).toString()).doesNotContain("from-file");
  }
}
