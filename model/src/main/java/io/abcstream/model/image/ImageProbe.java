package io.abcstream.model.image;

import java.util.Objects;

/**
 * What an image's header says, read once ({@link ImageDecoder#probe}) and handed to the decode so
 * that neither the container is sniffed nor the header read again.
 *
 * @param format the container
 * @param width pixels per row, as the image decodes
 * @param height rows, as the image decodes
 */
public record ImageProbe(ImageFormat format, int width, int height) {

  public ImageProbe {
    Objects.requireNonNull(format, "format");
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "dimensions must be positive, got " + width + "x" + height);
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
