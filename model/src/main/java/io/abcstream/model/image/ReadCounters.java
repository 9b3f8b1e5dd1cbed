package io.abcstream.model.image;

import java.util.concurrent.atomic.LongAdder;

/**
 * How often bytes were sniffed and headers read, so tests can check that a path probes an image
 * once. Cheap enough to count always; read only by tests in this package.
 */
final class ReadCounters {

  /** {@link ImageFormat#sniff} calls. */
  static final LongAdder SNIFFS = new LongAdder();

  /**
   * Header reads through an ImageIO reader to learn the dimensions ({@link ImageDecoder#probe}).
   */
  static final LongAdder HEADERS = new LongAdder();

  private ReadCounters() {}
}
