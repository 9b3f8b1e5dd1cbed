package io.abcstream.operators.embed;

import io.abcstream.fetch.FetchConfig;
import io.abcstream.operators.batching.AvailableCores;
import io.abcstream.operators.batching.BatchingConfig;
import io.abcstream.schemas.codec.RecordCodec;
import java.io.Serializable;
import java.util.Objects;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Everything the embedding operator needs to build its clients in open().
 *
 * @param cpuThreads decode/preprocess/tokenize threads; {@code null} = all cores of the TaskManager
 *     (see {@link #cpuThreads(AvailableCores)})
 * @param decodePixelBudget source pixels being decoded at once in one operator instance
 * @param inputFormat how the request records are encoded (the Kafka source's setting)
 */
public record EmbeddingOperatorConfig(
    FetchConfig fetch,
    BatchingConfig batching,
    Integer cpuThreads,
    long maxImagePixels,
    long decodePixelBudget,
    RecordCodec.Format inputFormat)
    implements Serializable {

  public EmbeddingOperatorConfig {
    Objects.requireNonNull(fetch, "fetch");
    Objects.requireNonNull(batching, "batching");
    Objects.requireNonNull(inputFormat, "inputFormat");
    if (cpuThreads != null && cpuThreads < 1) {
      throw new IllegalArgumentException("cpu threads must be >= 1, got " + cpuThreads);
    }
    if (maxImagePixels < 1) {
      throw new IllegalArgumentException("max image pixels must be >= 1, got " + maxImagePixels);
    }
    if (decodePixelBudget < 1) {
      throw new IllegalArgumentException(
          "decode pixel budget must be >= 1, got " + decodePixelBudget);
    }
  }

  /**
   * Reads {@link EmbeddingOptions}, the fetch and the batching options; the input format is the
   * Kafka source's, handed in by the job.
   */
  public static EmbeddingOperatorConfig fromConfiguration(
      ReadableConfig conf, RecordCodec.Format inputFormat) {
    return new EmbeddingOperatorConfig(
        FetchConfig.fromConfiguration(conf),
        BatchingConfig.fromConfiguration(conf),
        conf.getOptional(EmbeddingOptions.CPU_THREADS).orElse(null),
        conf.get(EmbeddingOptions.MAX_IMAGE_PIXELS),
        conf.get(EmbeddingOptions.DECODE_PIXEL_BUDGET),
        inputFormat);
  }

  /** The configured thread count, or every one of {@code cores} when unset. */
  public int cpuThreads(AvailableCores cores) {
    return cpuThreads != null ? cpuThreads : Math.max(1, cores.get());
  }
}
