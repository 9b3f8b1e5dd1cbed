package io.abcstream.operators.batching;

import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** The model and batching settings of the per-TaskManager batching service. */
public final class BatchingOptions {

  private BatchingOptions() {}

  public static final ConfigOption<String> BUNDLE =
      ConfigOptions.key("model.bundle")
          .stringType()
          .defaultValue("bundles/tiny")
          .withDescription(
              "Model bundle directory (manifest.json, tokenizer.json, vision.pt, language.pt).");

  public static final ConfigOption<List<String>> DEVICES =
      ConfigOptions.key("model.devices")
          .stringType()
          .asList()
          .defaultValues("cpu")
          .withDescription("One inference worker per device: cpu or cuda:N.");

  // Unset rather than a number: a default computed here would be the cores of the machine that
  // builds the job graph, not of the TaskManager that runs it.
  public static final ConfigOption<Integer> INFERENCE_THREADS =
      ConfigOptions.key("model.cpu-inference-threads")
          .intType()
          .noDefaultValue()
          .withDescription(
              "libtorch threads per CPU inference worker. Default (unset): half the cores of the"
                  + " TaskManager, counted there when the service starts; 0 = libtorch's default (all"
                  + " cores); GPUs ignore it.");

  public static final ConfigOption<Integer> MAX_INSTRUCTION_TOKENS =
      ConfigOptions.key("model.max-instruction-tokens")
          .intType()
          .defaultValue(512)
          .withDescription("Instructions with more tokens go to the DLQ as INSTRUCTION_TOO_LONG.");

  public static final ConfigOption<Integer> BATCH_MAX_ITEMS =
      ConfigOptions.key("batch.max-items")
          .intType()
          .defaultValue(32)
          .withDescription("Most rows per model batch.");

  public static final ConfigOption<Integer> BATCH_MAX_TOKENS =
      ConfigOptions.key("batch.max-tokens")
          .intType()
          .defaultValue(32_768)
          .withDescription("Most padded tokens (rows x longest row) per batch.");

  public static final ConfigOption<Duration> BATCH_MAX_WAIT =
      ConfigOptions.key("batch.max-wait")
          .durationType()
          .defaultValue(Duration.ofMillis(20))
          .withDescription("How long the oldest row waits for companions.");
}
