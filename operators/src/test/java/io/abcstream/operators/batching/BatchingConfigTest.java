package io.abcstream.operators.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BatchingConfigTest {

  private static Configuration conf(Map<String, String> values) {
    return Configuration.fromMap(values);
  }

  @Test
  void readsEveryOptionWithItsDefaults() {
    BatchingConfig config = BatchingConfig.fromConfiguration(conf(Map.of()));

    assertThat(config.bundleDir()).isEqualTo(Paths.get("bundles/tiny").toAbsolutePath().toString());
    assertThat(config.devices()).containsExactly("cpu");
    assertThat(config.maxItems()).isEqualTo(32);
    assertThat(config.maxTokens()).isEqualTo(32_768);
    assertThat(config.maxWait()).isEqualTo(Duration.ofMillis(20));
    assertThat(config.maxInstructionTokens()).isEqualTo(512);
    assertThat(config.inferenceThreads()).isNull();
  }

  @Test
  void readsTheKeysUsersWrite() {
    BatchingConfig config =
        BatchingConfig.fromConfiguration(
            conf(
                Map.of(
                    "model.bundle", "/opt/bundle",
                    "model.devices", "cuda:0;cuda:1",
                    "model.cpu-inference-threads", "3",
                    "model.max-instruction-tokens", "64",
                    "batch.max-items", "8",
                    "batch.max-tokens", "1000",
                    "batch.max-wait", "5 ms")));

    assertThat(config)
        .isEqualTo(
            new BatchingConfig(
                "/opt/bundle", List.of("cuda:0", "cuda:1"), 8, 1000, Duration.ofMillis(5), 64, 3));
  }

  @ParameterizedTest(name = "configured {0}, TaskManager cores {1} -> {2}")
  @CsvSource(
      nullValues = "auto",
      value = {
        "auto, 1, 1", // never zero: 0 would mean libtorch's all-cores default
        "auto, 2, 1",
        "auto, 3, 1",
        "auto, 64, 32",
        "0, 64, 0",
        "5, 64, 5",
        "5, 2, 5"
      })
  void unsetInferenceThreadsAreHalfTheCoresWhereTheServiceRuns(
      Integer configured, int cores, int expected) {
    BatchingConfig config =
        new BatchingConfig("/b", List.of("cpu"), 1, 1, Duration.ZERO, 1, configured);

    assertThat(config.inferenceThreads(() -> cores)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} tokens -> {1} characters")
  @CsvSource({"1, 16", "16, 256", "512, 8192", "2147483647, 2147483647"})
  void theInstructionCharacterBoundIsSixteenCharactersPerToken(int tokens, int chars) {
    BatchingConfig config =
        new BatchingConfig("/b", List.of("cpu"), 1, 1, Duration.ZERO, tokens, null);

    assertThat(config.maxInstructionChars()).isEqualTo(chars);
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({
    "model.devices, tpu, device must be cpu or cuda:N",
    "batch.max-items, 0, max batch items must be >= 1",
    "batch.max-tokens, 0, max batch tokens must be >= 1",
    "model.max-instruction-tokens, 0, max instruction tokens must be >= 1",
    "model.cpu-inference-threads, -1, inference threads must be >= 0",
    "model.bundle, ' ', bundle directory must be set"
  })
  void invalidValuesAreRefusedWithTheirReason(String key, String value, String message) {
    assertThatThrownBy(() -> BatchingConfig.fromConfiguration(conf(Map.of(key, value))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }
}
