package io.abcstream.operators.embed;

import io.abcstream.fetch.FetchConfig;
import io.abcstream.operators.batching.AvailableCores;
import io.abcstream.operators.batching.BatchingConfig;
import io.abcstream.schemas.codec.RecordCodec;
import java.io.Serializable;
import java.util.Objects;
import java.util.Optional;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Everything the embedding operator needs to build its clients in open().
 *
 * @param cpuThreads decode/preprocess/tokenize threads; {@code null} = all cores of the TaskManager
 *     (see {@link #cpuThreads(AvailableCores)})
 * @param decodePixelBudget deprecated {@code embed.decode-pixel-budget}; read into {@code
 *     decodeMemoryBudget} when only it is set
 * @param decodeMemoryBudget bytes being decoded at once in one operator instance
 * @param maxDecodeMemory most bytes one image's decode may take
 * @param capacity requests in flight per operator instance (sizes the CPU pool's queue)
 * @param inputFormat how the request records are encoded (the Kafka source's setting)
 */
public record EmbeddingOperatorConfig(
    FetchConfig fetch,
    BatchingConfig batching,
    Integer cpuThreads,
    long maxImagePixels,
    long decodePixelBudget,
    long decodeMemoryBudget,
    long maxDecodeMemory,
    int capacity,
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
    if (decodeMemoryBudget < 1 << 20) {
      throw new IllegalArgumentException(
          "decode memory budget must be >= 1 MiB, got " + decodeMemoryBudget);
    }
    if (maxDecodeMemory < 1 << 20) {
      throw new IllegalArgumentException(
          "max decode memory must be >= 1 MiB, got " + maxDecodeMemory);
    }
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
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
        decodeMemoryBudget(conf),
        conf.get(EmbeddingOptions.MAX_DECODE_MEMORY).getBytes(),
        conf.get(EmbeddingOptions.CAPACITY),
        inputFormat);
  }

  /** The byte budget, or the deprecated pixel budget at 8 bytes per pixel when only it is set. */
  private static long decodeMemoryBudget(ReadableConfig conf) {
    Optional<MemorySize> bytes = conf.getOptional(EmbeddingOptions.DECODE_MEMORY_BUDGET);
    if (bytes.isPresent()) {
      return bytes.get().getBytes();
    }
    return conf.getOptional(EmbeddingOptions.DECODE_PIXEL_BUDGET)
        .map(pixels -> Math.max(1L << 20, Math.multiplyExact(Math.max(1, pixels), 8L)))
        .orElse(EmbeddingOptions.DECODE_MEMORY_BUDGET.defaultValue().getBytes());
  }

  /** The configured thread count, or every one of {@code cores} when unset. */
  public int cpuThreads(AvailableCores cores) {
    return cpuThreads != null ? cpuThreads : Math.max(1, cores.get());
  }
}
