package io.abcstream.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
    config.set(
        ElasticsearchSinkOptions.RETRY_ON_EXHAUSTED, RetryPolicy.ExhaustedAction.DEAD_LETTER);

    ElasticsearchSink<String> sink =
        ElasticsearchSink.<String>builder()
            .setConfiguration(config)
            .setElementConverter(CONVERTER)
            .build();

    assertThat(sink.config().retryPolicy().maxAttempts()).isEqualTo(4);
    assertThat(sink.config().retryPolicy().exhaustedAction())
        .isEqualTo(RetryPolicy.ExhaustedAction.DEAD_LETTER);
    assertThat(sink.config().maxTimeInBuffer()).isEqualTo(Duration.ofMillis(250));
    // The job graph carries configuration only: it serialises, and holds the env var's name, not a
    // value.
    byte[] bytes = InstantiationUtil.serializeObject(sink);
    assertThat(new String(bytes, StandardCharsets.ISO_8859_1)).contains("ES_PASSWORD");
    ElasticsearchSink<String> copy =
        InstantiationUtil.deserializeObject(bytes, getClass().getClassLoader());
    assertThat(copy.config().retryPolicy().maxAttempts()).isEqualTo(4);
    assertThat(copy.config().retryPolicy().exhaustedAction())
        .isEqualTo(RetryPolicy.ExhaustedAction.DEAD_LETTER);
    assertThat(copy.config()).isEqualTo(sink.config());
  }

  @Test
  void configRejectsNonsense() {
    assertThatThrownBy(
            () -> sinkConfig(new Configuration().set(ElasticsearchSinkOptions.MAX_BATCH_SIZE, 0)))
        .hasMessageContaining("batch.max-actions");
    assertThatThrownBy(
            () ->
                sinkConfig(
                    new Configuration()
                        .set(ElasticsearchSinkOptions.MAX_TIME_IN_BUFFER, Duration.ZERO)))
        .hasMessageContaining("batch.max-time");
    assertThatThrownBy(
            () ->
                sinkConfig(
                    new Configuration()
                        .set(ElasticsearchSinkOptions.RETRY_INITIAL_BACKOFF, Duration.ofSeconds(5))
                        .set(ElasticsearchSinkOptions.RETRY_MAX_BACKOFF, Duration.ofSeconds(1))))
        .hasMessageContaining("retry.initial-backoff");
    ElasticsearchSinkBuilder<String> builder = ElasticsearchSink.builder();
    assertThatThrownBy(() -> builder.setHosts("es:9200"))
        .hasMessageContaining("http:// or https://");
  }

  @Test
  void unsetOptionsKeepTheirDefaults() {
    ElasticsearchSinkConfig config = ElasticsearchSinkConfig.defaults();
    assertThat(config.maxBatchSize())
        .isEqualTo(ElasticsearchSinkOptions.MAX_BATCH_SIZE.defaultValue());
    assertThat(config.maxBatchSizeInBytes())
        .isEqualTo(ElasticsearchSinkOptions.MAX_BATCH_SIZE_IN_BYTES.defaultValue());
    assertThat(config.maxTimeInBuffer())
        .isEqualTo(ElasticsearchSinkOptions.MAX_TIME_IN_BUFFER.defaultValue());
    assertThat(config.maxInFlightRequests())
        .isEqualTo(ElasticsearchSinkOptions.MAX_IN_FLIGHT_REQUESTS.defaultValue());
    assertThat(config.maxBufferedRequests())
        .isEqualTo(ElasticsearchSinkOptions.MAX_BUFFERED_REQUESTS.defaultValue());
    assertThat(config.maxRecordSizeInBytes())
        .isEqualTo(ElasticsearchSinkOptions.MAX_RECORD_SIZE_IN_BYTES.defaultValue());
    assertThat(config.requestTimeout())
        .isEqualTo(ElasticsearchSinkOptions.REQUEST_TIMEOUT.defaultValue());
    assertThat(config.retryPolicy())
        .isEqualTo(
            new RetryPolicy(
                ElasticsearchSinkOptions.RETRY_MAX_ATTEMPTS.defaultValue(),
                ElasticsearchSinkOptions.RETRY_INITIAL_BACKOFF.defaultValue(),
                ElasticsearchSinkOptions.RETRY_MAX_BACKOFF.defaultValue(),
                ElasticsearchSinkOptions.RETRY_ON_EXHAUSTED.defaultValue()));
    assertThat(config.flushOnCheckpoint())
        .isEqualTo(ElasticsearchSinkOptions.FLUSH_ON_CHECKPOINT.defaultValue());
  }

  @Test
  void buildValidatesTheCombination() {
    assertThatThrownBy(
            () -> ElasticsearchSink.<String>builder().setHosts("http://localhost:9200").build())
        .hasMessageContaining("element converter");
    assertThatThrownBy(
            () -> ElasticsearchSink.<String>builder().setElementConverter(CONVERTER).build())
        .hasMessageContaining("hosts");
    assertThatThrownBy(
            () ->
                ElasticsearchSink.<String>builder()
                    .setHosts("http://localhost:9200")
                    .setElementConverter(CONVERTER)
                    .setConfig(
                        sinkConfig(
                            new Configuration()
                                .set(ElasticsearchSinkOptions.MAX_BATCH_SIZE, 100)
                                .set(ElasticsearchSinkOptions.MAX_BUFFERED_REQUESTS, 100)))
                    .build())
        .hasMessageContaining("requests.max-buffered");
    assertThatThrownBy(
            () ->
                ElasticsearchSink.<String>builder()
                    .setHosts("http://localhost:9200")
                    .setElementConverter(CONVERTER)
                    .setConfig(
                        sinkConfig(
                            new Configuration()
                                .set(
                                    ElasticsearchSinkOptions.REQUEST_TIMEOUT,
                                    Duration.ofSeconds(30))))
                    .build())
        .hasMessageContaining("request.timeout");
  }

  @Test
  void connectionConfigNeedsPasswordWithUsernameAndOneAuthKind() {
    Configuration withUser =
        new Configuration()
            .set(ElasticsearchSinkOptions.HOSTS, List.of("http://h:9200"))
            .set(ElasticsearchSinkOptions.USERNAME, "u");
    assertThatThrownBy(() -> ElasticsearchConnectionConfig.fromConfiguration(withUser))
        .hasMessageContaining("password");
    assertThatThrownBy(
            () ->
                ElasticsearchConnectionConfig.fromConfiguration(
                    withUser
                        .set(ElasticsearchSinkOptions.PASSWORD_ENV, "P")
                        .set(ElasticsearchSinkOptions.API_KEY_ENV, "K")))
        .hasMessageContaining("either an API key");
  }

  private static ElasticsearchSinkConfig sinkConfig(Configuration settings) {
    return ElasticsearchSinkConfig.fromConfiguration(settings);
  }

  @Test
  void secretsResolveFromEnvOrFileAndNeverPrintTheValue() throws Exception {
    assertThat(SecretRef.env("ES_PW").resolve(name -> "s3cret")).isEqualTo("s3cret");
    assertThatThrownBy(() -> SecretRef.env("ES_PW").resolve(name -> null))
        .hasMessageContaining("ES_PW");
    Path file = Files.createTempFile("pw", ".txt");
    Files.writeString(file, "from-file\n");
    assertThat(SecretRef.file(file.toString()).resolve()).isEqualTo("from-file");
    assertThat(SecretRef.file(file.toString()).toString()).doesNotContain("from-file");
  }
}
