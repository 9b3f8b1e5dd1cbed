package io.abcstream.operators.embed;

import io.abcstream.model.image.ImageDecoder;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;

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

  /** Deprecated: {@link #DECODE_MEMORY_BUDGET} counts bytes; this one still reads, ×8 bytes. */
  public static final ConfigOption<Long> DECODE_PIXEL_BUDGET =
      ConfigOptions.key("embed.decode-pixel-budget")
          .longType()
          .defaultValue(2 * ImageDecoder.PILLOW_MAX_IMAGE_PIXELS)
          .withDescription(
              "Deprecated, use embed.decode-memory-budget: source pixels decoded at once per"
                  + " operator instance. When set (and embed.decode-memory-budget is not), the"
                  + " decode-memory budget is 8 bytes per pixel of it.");

  // Bytes, not pixels: a 16-bit RGBA PNG holds 8 bytes per pixel, a GIF's logical screen can
  // dwarf its frame, a progressive JPEG keeps 2 bytes per sample of coefficients. Each decode
  // reserves what its header declares; 512 MiB is two decodes at the per-image limit and more.
  public static final ConfigOption<MemorySize> DECODE_MEMORY_BUDGET =
      ConfigOptions.key("embed.decode-memory-budget")
          .memoryType()
          .defaultValue(MemorySize.ofMebiBytes(512))
          .withDescription(
              "Bytes (heap and native) being decoded at once per operator instance: each decode"
                  + " reserves the memory its header declares and waits until it fits. Bounds"
                  + " decode memory whatever embed.capacity is.");

  public static final ConfigOption<MemorySize> MAX_DECODE_MEMORY =
      ConfigOptions.key("embed.max-decode-memory")
          .memoryType()
          .defaultValue(new MemorySize(ImageDecoder.DEFAULT_MAX_DECODE_BYTES))
          .withDescription(
              "Most bytes one image's decode may take, estimated from its header (samples, bits"
                  + " per sample, GIF logical screen, progressive JPEG coefficient buffers); above"
                  + " it the image is dead-lettered as IMAGE_TOO_LARGE before decoding.");
}
