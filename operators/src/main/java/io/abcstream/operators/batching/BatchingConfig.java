package io.abcstream.operators.batching;

import java.io.Serializable;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ReadableConfig;

/**
 * What the per-TaskManager batching service loads and how it forms batches; operator instances
 * whose configs are equal share one service.
 *
 * @param bundleDir absolute path of the model bundle
 * @param devices one inference worker per device: {@code cpu} or {@code cuda:N}
 * @param maxItems most rows per batch
 * @param maxTokens cap on padded tokens (rows × longest row) per batch; a longer single item still
 *     runs alone
 * @param maxWait how long the oldest row waits for companions
 * @param maxInstructionTokens longest instruction in tokens
 * @param inferenceThreads libtorch intra-op threads per CPU worker; {@code null} = half the cores
 *     of the TaskManager (see {@link #inferenceThreads(AvailableCores)}), 0 = libtorch's default
 */
public record BatchingConfig(
    String bundleDir,
    List<String> devices,
    int maxItems,
    int maxTokens,
    Duration maxWait,
    int maxInstructionTokens,
    Integer inferenceThreads)
    implements Serializable {

  /**
   * Characters per token above which the validator refuses an instruction before tokenizing: a
   * byte-level BPE token is rarely longer, so such an instruction is almost surely over the token
   * limit, which the tokenizer enforces exactly.
   */
  static final int MAX_CHARS_PER_TOKEN = 16;

  public BatchingConfig {
    if (bundleDir == null || bundleDir.isBlank()) {
      throw new IllegalArgumentException(
          "bundle directory must be set (" + BatchingOptions.BUNDLE.key() + ")");
    }
    if (devices == null || devices.isEmpty()) {
      throw new IllegalArgumentException("at least one device is required (cpu or cuda:N)");
    }
    for (String d : devices) {
      if (d == null || !d.matches("cpu|cuda(:\\d+)?|gpu(:\\d+)?")) {
        throw new IllegalArgumentException("device must be cpu or cuda:N, got '" + d + "'");
      }
    }
    devices = List.copyOf(devices);
    if (maxItems < 1) {
      throw new IllegalArgumentException("max batch items must be >= 1, got " + maxItems);
    }
    if (maxTokens < 1) {
      throw new IllegalArgumentException("max batch tokens must be >= 1, got " + maxTokens);
    }
    if (maxWait == null || maxWait.isNegative()) {
      throw new IllegalArgumentException("max batch wait must be >= 0, got " + maxWait);
    }
    if (maxInstructionTokens < 1) {
      throw new IllegalArgumentException(
          "max instruction tokens must be >= 1, got " + maxInstructionTokens);
    }
    if (inferenceThreads != null && inferenceThreads < 0) {
      throw new IllegalArgumentException(
          "inference threads must be >= 0 (0 = libtorch default), got " + inferenceThreads);
    }
  }

  /** Reads the options of {@link BatchingOptions}; a relative bundle path is made absolute here. */
  public static BatchingConfig fromConfiguration(ReadableConfig conf) {
    String bundle = conf.get(BatchingOptions.BUNDLE);
    return new BatchingConfig(
        bundle.isBlank() ? bundle : Paths.get(bundle).toAbsolutePath().toString(),
        conf.get(BatchingOptions.DEVICES),
        conf.get(BatchingOptions.BATCH_MAX_ITEMS),
        conf.get(BatchingOptions.BATCH_MAX_TOKENS),
        conf.get(BatchingOptions.BATCH_MAX_WAIT),
        conf.get(BatchingOptions.MAX_INSTRUCTION_TOKENS),
        conf.getOptional(BatchingOptions.INFERENCE_THREADS).orElse(null));
  }

  /** The configured thread count, or half of {@code cores} (at least one) when unset. */
  public int inferenceThreads(AvailableCores cores) {
    // libtorch's default (every core) oversubscribes a CPU that also decodes and preprocesses:
    // measured ~30x slower small batches on 2 shared cores. Half the cores leaves room for both.
    return inferenceThreads != null ? inferenceThreads : Math.max(1, cores.get() / 2);
  }

  /** The validator's cheap bound on an instruction's length in characters, before tokenizing. */
  public int maxInstructionChars() {
    long chars = (long) maxInstructionTokens * MAX_CHARS_PER_TOKEN;
    return (int) Math.min(Integer.MAX_VALUE, chars);
  }
}
