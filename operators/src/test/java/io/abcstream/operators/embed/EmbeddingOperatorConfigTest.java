package io.abcstream.operators.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.abcstream.operators.batching.AvailableCores;
import io.abcstream.schemas.codec.RecordCodec;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

class EmbeddingOperatorConfigTest {

  /** What the TaskManager gets: the config as the client serialized it into the job graph. */
  private static EmbeddingOperatorConfig shipped(EmbeddingOperatorConfig config) throws Exception {
    return InstantiationUtil.clone(config, EmbeddingOperatorConfig.class.getClassLoader());
  }

  @Test
  void coreCountDefaultsAreCountedWhereTheOperatorRunsNotWhereTheGraphIsBuilt() throws Exception {
    // Built on a client with N cores, whatever N is: nothing machine-dependent goes into the graph.
    EmbeddingOperatorConfig built =
        EmbeddingOperatorConfig.fromConfiguration(new Configuration(), RecordCodec.Format.AVRO);
    EmbeddingOperatorConfig onTaskManager = shipped(built);

    assertThat(onTaskManager.cpuThreads()).isNull();
    assertThat(onTaskManager.batching().inferenceThreads()).isNull();
    for (int cores : new int[] {1, 2, 7, 64}) {
      AvailableCores taskManager = () -> cores;
      assertThat(onTaskManager.cpuThreads(taskManager))
          .as("cpu threads on %d cores", cores)
          .isEqualTo(cores);
      assertThat(onTaskManager.batching().inferenceThreads(taskManager))
          .as("inference threads on %d cores", cores)
          .isEqualTo(Math.max(1, cores / 2));
    }
  }

  @Test
  void aConfiguredThreadCountWinsOverTheCores() throws Exception {
    EmbeddingOperatorConfig config =
        shipped(
            EmbeddingOperatorConfig.fromConfiguration(
                Configuration.fromMap(
                    Map.of("embed.cpu-threads", "3", "model.cpu-inference-threads", "2")),
                RecordCodec.Format.JSON));

    assertThat(config.cpuThreads(() -> 64)).isEqualTo(3);
    assertThat(config.batching().inferenceThreads(() -> 64)).isEqualTo(2);
    assertThat(config.inputFormat()).isEqualTo(RecordCodec.Format.JSON);
  }

  @Test
  void readsTheEmbedKeysWithTheirDefaults() {
    EmbeddingOperatorConfig defaults =
        EmbeddingOperatorConfig.fromConfiguration(new Configuration(), RecordCodec.Format.AVRO);
    EmbeddingOperatorConfig set =
        EmbeddingOperatorConfig.fromConfiguration(
            Configuration.fromMap(
                Map.of("embed.max-image-pixels", "1000", "embed.decode-pixel-budget", "5000")),
            RecordCodec.Format.AVRO);

    assertThat(defaults.maxImagePixels()).isEqualTo(89_478_485L);
    assertThat(defaults.decodePixelBudget()).isEqualTo(2 * 89_478_485L);
    assertThat(set.maxImagePixels()).isEqualTo(1000);
    assertThat(set.decodePixelBudget()).isEqualTo(5000);
  }

  @Test
  void decodeMemoryIsBudgetedInBytesAndTheDeprecatedPixelBudgetStillReads() {
    EmbeddingOperatorConfig defaults =
        EmbeddingOperatorConfig.fromConfiguration(new Configuration(), RecordCodec.Format.AVRO);
    assertThat(defaults.decodeMemoryBudget()).isEqualTo(512L << 20);
    assertThat(defaults.maxDecodeMemory()).isEqualTo(192L << 20);
    assertThat(defaults.capacity()).isEqualTo(64);

    EmbeddingOperatorConfig bytes =
        EmbeddingOperatorConfig.fromConfiguration(
            Configuration.fromMap(
                Map.of(
                    "embed.decode-memory-budget", "1 gb",
                    "embed.max-decode-memory", "64 mb",
                    "embed.decode-pixel-budget", "5000000")),
            RecordCodec.Format.AVRO);
    assertThat(bytes.decodeMemoryBudget()).isEqualTo(1L << 30);
    assertThat(bytes.maxDecodeMemory()).isEqualTo(64L << 20);

    // only the old key: 8 bytes per pixel, as its description always said
    EmbeddingOperatorConfig pixels =
        EmbeddingOperatorConfig.fromConfiguration(
            Configuration.fromMap(Map.of("embed.decode-pixel-budget", "50000000")),
            RecordCodec.Format.AVRO);
    assertThat(pixels.decodeMemoryBudget()).isEqualTo(400_000_000L);
    assertThatThrownBy(
            () ->
                EmbeddingOperatorConfig.fromConfiguration(
                    Configuration.fromMap(Map.of("embed.max-decode-memory", "1 kb")),
                    RecordCodec.Format.AVRO))
        .hasMessageContaining("max decode memory");
  }

  @Test
  void refusesNonPositiveLimits() {
    assertThatThrownBy(
            () ->
                EmbeddingOperatorConfig.fromConfiguration(
                    Configuration.fromMap(Map.of("embed.cpu-threads", "0")),
                    RecordCodec.Format.AVRO))
        .hasMessageContaining("cpu threads must be >= 1");
    assertThatThrownBy(
            () ->
                EmbeddingOperatorConfig.fromConfiguration(
                    Configuration.fromMap(Map.of("embed.decode-pixel-budget", "0")),
                    RecordCodec.Format.AVRO))
        .hasMessageContaining("decode pixel budget must be >= 1");
  }
}
