package io.abcstream.operators.batching;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/** What the per-TaskManager batching service loads and how it forms batches. */
public final class BatchingConfig implements Serializable {

  private static final long serialVersionUID = 1L;

  public static final int DEFAULT_MAX_ITEMS = 32;
  public static final int DEFAULT_MAX_TOKENS = 32_768;
  public static final Duration DEFAULT_MAX_WAIT = Duration.ofMillis(20);
  public static final int DEFAULT_MAX_INSTRUCTION_TOKENS = 512;
  // libtorch's default (every core) oversubscribes a CPU that also decodes and preprocesses:
  // measured ~30x slower small batches on 2 shared cores. Half the cores leaves room for both.
  public static final int DEFAULT_INFERENCE_THREADS = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);

  private final String bundleDir;
  private final List<String> devices;
  private final int maxItems;
  private final int maxTokens;
  private final Duration maxWait;
  private final int maxInstructionTokens;
  private final int inferenceThreads;

  private BatchingConfig(Builder b) {
    this.bundleDir = b.bundleDir;
    this.devices = List.copyOf(b.devices);
    this.maxItems = b.maxItems;
    this.maxTokens = b.maxTokens;
    this.maxWait = b.maxWait;
    this.maxInstructionTokens = b.maxInstructionTokens;
    this.inferenceThreads = b.inferenceThreads;
  }

  public static Builder builder() {
    return new Builder();
  }

  public String bundleDir() {
    return bundleDir;
  }

  public List<String> devices() {
    return devices;
  }

  public int maxItems() {
    return maxItems;
  }

  public int maxTokens() {
    return maxTokens;
  }

  public Duration maxWait() {
    return maxWait;
  }

  public int maxInstructionTokens() {
    return maxInstructionTokens;
  }

  /** libtorch intra-op threads of each CPU worker (0 = libtorch's default, all cores). */
  public int inferenceThreads() {
    return inferenceThreads;
  }

  /** Services are shared by every operator instance whose config is equal. */
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof BatchingConfig)) {
      return false;
    }
    BatchingConfig c = (BatchingConfig) o;
    return bundleDir.equals(c.bundleDir)
        && devices.equals(c.devices)
        && maxItems == c.maxItems
        && maxTokens == c.maxTokens
        && maxWait.equals(c.maxWait)
        && maxInstructionTokens == c.maxInstructionTokens
        && inferenceThreads == c.inferenceThreads;
  }

  @Override
  public int hashCode() {
    return Objects.hash(bundleDir, devices, maxItems, maxTokens, maxWait, maxInstructionTokens, inferenceThreads);
  }

  @Override
  public String toString() {
    return "BatchingConfig{bundle=" + bundleDir + ", devices=" + devices + ", maxItems=" + maxItems
        + ", maxTokens=" + maxTokens + ", maxWait=" + maxWait + "}";
  }

  /** Checked setters; {@link #build()} requires a bundle. */
  public static final class Builder {
    private String bundleDir;
    private List<String> devices = List.of("cpu");
    private int maxItems = DEFAULT_MAX_ITEMS;
    private int maxTokens = DEFAULT_MAX_TOKENS;
    private Duration maxWait = DEFAULT_MAX_WAIT;
    private int maxInstructionTokens = DEFAULT_MAX_INSTRUCTION_TOKENS;
    private int inferenceThreads = DEFAULT_INFERENCE_THREADS;

    public Builder bundleDir(String value) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException("bundle directory must be set");
      }
      this.bundleDir = value;
      return this;
    }

    /** One inference worker per device: {@code cpu} or {@code cuda:N}. */
    public Builder devices(List<String> value) {
      if (value == null || value.isEmpty()) {
        throw new IllegalArgumentException("at least one device is required (cpu or cuda:N)");
      }
      for (String d : value) {
        if (!d.matches("cpu|cuda(:\\d+)?|gpu(:\\d+)?")) {
          throw new IllegalArgumentException("device must be cpu or cuda:N, got '" + d + "'");
        }
      }
      this.devices = List.copyOf(value);
      return this;
    }

    public Builder maxItems(int value) {
      if (value < 1) {
        throw new IllegalArgumentException("max batch items must be >= 1, got " + value);
      }
      this.maxItems = value;
      return this;
    }

    /** Cap on padded tokens (rows × longest row) per batch; a longer single item still runs alone. */
    public Builder maxTokens(int value) {
      if (value < 1) {
        throw new IllegalArgumentException("max batch tokens must be >= 1, got " + value);
      }
      this.maxTokens = value;
      return this;
    }

    public Builder maxWait(Duration value) {
      if (value == null || value.isNegative()) {
        throw new IllegalArgumentException("max batch wait must be >= 0, got " + value);
      }
      this.maxWait = value;
      return this;
    }

    public Builder maxInstructionTokens(int value) {
      if (value < 1) {
        throw new IllegalArgumentException("max instruction tokens must be >= 1, got " + value);
      }
      this.maxInstructionTokens = value;
      return this;
    }

    public Builder inferenceThreads(int value) {
      if (value < 0) {
        throw new IllegalArgumentException("inference threads must be >= 0 (0 = libtorch default), got " + value);
      }
      this.inferenceThreads = value;
      return this;
    }

    public BatchingConfig build() {
      if (bundleDir == null) {
        throw new IllegalStateException("bundle directory must be set (abc.model.bundle)");
      }
      return new BatchingConfig(this);
    }
  }
}
