package io.abcstream.model.image;

import java.util.Objects;

/**
 * What an image's header says, read once ({@link ImageDecoder#probe}) and handed to the decode so
 * that neither the container is sniffed nor the header read again.
 *
 * @param format the container
 * @param width pixels per row, as the image decodes
 * @param height rows, as the image decodes
 * @param decodeBytes upper bound of the bytes (heap and native) a whole decode ({@link
 *     ImageDecoder#decode(byte[], ImageProbe)}) allocates, from what the header declares: samples
 *     and bits per pixel, a GIF's logical screen, a progressive JPEG's coefficient buffers
 * @param streamedBytes the same for a decode whose rows stream into the resize ({@link
 *     AbcPreprocessor#decodeAndPreprocess(ImageDecoder, byte[], ImageProbe)} of a JPEG the native
 *     decoder takes, with the vectorised resampler); {@code decodeBytes} when the image cannot
 *     stream
 */
public record ImageProbe(
    ImageFormat format, int width, int height, long decodeBytes, long streamedBytes) {

  public ImageProbe {
    Objects.requireNonNull(format, "format");
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "dimensions must be positive, got " + width + "x" + height);
    }
    if (decodeBytes <= 0 || streamedBytes <= 0 || streamedBytes > decodeBytes) {
      throw new IllegalArgumentException(
          "need 0 < streamedBytes <= decodeBytes, got " + streamedBytes + ", " + decodeBytes);
    }
  }

  /** {@code width × height}. */
  public long pixels() {
    return (long) width * height;
  }

  /** The size as {@link SmartResize} takes it. */
  public SmartResize.Size size() {
    return new SmartResize.Size(height, width);
  }
}
