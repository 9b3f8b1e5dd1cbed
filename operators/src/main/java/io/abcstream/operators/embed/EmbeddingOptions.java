package io.abcstream.operators.embed;

import io.abcstream.model.image.ImageDecoder;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** The settings of the async embedding operator ({@code embed.*}). */
public final class EmbeddingOptions {

  private EmbeddingOptions() {}

  // Unset rather than a number: a default computed here would be the cores of the machine that
  // builds the job graph, not of the TaskManager that runs it.
  public static final ConfigOption<Integer> CPU_THREADS =
      ConfigOptions.key("embed.cpu-threads")
          .intType()
          .noDefaultValue()
          .withDescription(
              "Threads for decode, preprocessing and tokenization per operator instance. Default"
                  + " (unset): all cores of the TaskManager, counted there when the operator opens.");

  public static final ConfigOption<Integer> CAPACITY =
      ConfigOptions.key("embed.capacity")
          .intType()
          .defaultValue(64)
          .withDescription("Requests in flight per operator instance (async capacity).");

  public static final ConfigOption<Duration> TIMEOUT =
      ConfigOptions.key("embed.timeout")
          .durationType()
          .defaultValue(Duration.ofMinutes(2))
          .withDescription("A request still unfinished after this goes to the DLQ as TIMEOUT.");

  public static final ConfigOption<Long> MAX_IMAGE_PIXELS =
      ConfigOptions.key("embed.max-image-pixels")
          .longType()
          .defaultValue(ImageDecoder.PILLOW_MAX_IMAGE_PIXELS)
          .withDescription(
              "Header pixel limit checked before decoding (Pillow's MAX_IMAGE_PIXELS).");

  // Two whole-image decodes at the pixel limit at once: ~1.4 GB of decode buffers at worst.
  public static final ConfigOption<Long> DECODE_PIXEL_BUDGET =
      ConfigOptions.key("embed.decode-pixel-budget")
          .longType()
          .defaultValue(2 * ImageDecoder.PILLOW_MAX_IMAGE_PIXELS)
          .withDescription(
              "Source pixels decoded at once per operator instance (~8 bytes each when decoded whole;"
                  + " streamed JPEG rows hold far less but count their header pixels); bounds decode"
                  + " memory.");
}
