package io.abcstream.operators.embed;

import io.abcstream.fetch.FetchConfig;
import io.abcstream.model.image.ImageDecoder;
import io.abcstream.operators.batching.BatchingConfig;
import io.abcstream.schemas.codec.RecordCodec;
import java.io.Serializable;
import java.util.Objects;

/** Everything the embedding operator needs to build its clients in open(). */
public final class EmbeddingOperatorConfig implements Serializable {

  private static final long serialVersionUID = 1L;

  public static final int DEFAULT_CPU_THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
  public static final long DEFAULT_MAX_IMAGE_PIXELS = ImageDecoder.PILLOW_MAX_IMAGE_PIXELS;
  // Two whole-image decodes at the pixel limit at once: ~1.4 GB of decode buffers at worst.
  public static final long DEFAULT_DECODE_PIXEL_BUDGET = 2 * ImageDecoder.PILLOW_MAX_IMAGE_PIXELS;

  private final FetchConfig fetch;
  private final BatchingConfig batching;
  private final int cpuThreads;
  private final long maxImagePixels;
  private final long decodePixelBudget;
  private final RecordCodec.Format inputFormat;

  private EmbeddingOperatorConfig(Builder b) {
    this.fetch = b.fetch;
    this.batching = b.batching;
    this.cpuThreads = b.cpuThreads;
    this.maxImagePixels = b.maxImagePixels;
    this.decodePixelBudget = b.decodePixelBudget;
    this.inputFormat = b.inputFormat;
  }

  public static Builder builder() {
    return new Builder();
  }

  public FetchConfig fetch() {
    return fetch;
  }

  public BatchingConfig batching() {
    return batching;
  }

  public int cpuThreads() {
    return cpuThreads;
  }

  public long maxImagePixels() {
    return maxImagePixels;
  }

  /** Source pixels being decoded at once in one operator instance. */
  public long decodePixelBudget() {
    return decodePixelBudget;
  }

  public RecordCodec.Format inputFormat() {
    return inputFormat;
  }

  /** Checked setters; fetch and batching configs are required. */
  public static final class Builder {
    private FetchConfig fetch;
    private BatchingConfig batching;
    private int cpuThreads = DEFAULT_CPU_THREADS;
    private long maxImagePixels = DEFAULT_MAX_IMAGE_PIXELS;
    private long decodePixelBudget = DEFAULT_DECODE_PIXEL_BUDGET;
    private RecordCodec.Format inputFormat = RecordCodec.Format.AVRO;

    public Builder fetch(FetchConfig value) {
      this.fetch = Objects.requireNonNull(value, "fetch");
      return this;
    }

    public Builder batching(BatchingConfig value) {
      this.batching = Objects.requireNonNull(value, "batching");
      return this;
    }

    public Builder cpuThreads(int value) {
      if (value < 1) {
        throw new IllegalArgumentException("cpu threads must be >= 1, got " + value);
      }
      this.cpuThreads = value;
      return this;
    }

    public Builder maxImagePixels(long value) {
      if (value < 1) {
        throw new IllegalArgumentException("max image pixels must be >= 1, got " + value);
      }
      this.maxImagePixels = value;
      return this;
    }

    public Builder decodePixelBudget(long value) {
      if (value < 1) {
        throw new IllegalArgumentException("decode pixel budget must be >= 1, got " + value);
      }
      this.decodePixelBudget = value;
      return this;
    }

    public Builder inputFormat(RecordCodec.Format value) {
      this.inputFormat = Objects.requireNonNull(value, "inputFormat");
      return this;
    }

    public EmbeddingOperatorConfig build() {
      if (fetch == null || batching == null) {
        throw new IllegalStateException("fetch and batching configs are required");
      }
      return new EmbeddingOperatorConfig(this);
    }
  }
}
