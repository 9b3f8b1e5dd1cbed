package io.abcstream.model.image;

import java.util.Objects;

/**
 * An 8-bit RGB image as interleaved bytes or packed {@code 0x··RRGGBB} ints, the other layout
 * derived on demand.
 */
public final class RgbImage {
  // Interleaved bytes are numpy.asarray(PIL.Image)'s layout; packed ints are what libjpeg-turbo's
  // RGBX output and
  // the resampler use. Arrays are owned, not copied: callers must not mutate them after handing
  // them over. A derived
  // layout is computed at most a few times and published through a volatile field, so instances are
  // thread-safe.

  private final int width;
  private final int height;
  private volatile byte[] rgb;
  private volatile int[] packed;

  public RgbImage(int width, int height, byte[] rgb) {
    this(width, height, Objects.requireNonNull(rgb, "rgb"), null);
  }

  private RgbImage(int width, int height, byte[] rgb, int[] packed) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "image dimensions must be positive, got " + width + "x" + height);
    }
    long pixels = (long) width * height;
    if (rgb != null && pixels * 3 != rgb.length) {
      throw new IllegalArgumentException(
          "pixel array has "
              + rgb.length
              + " bytes, expected "
              + (pixels * 3)
              + " for "
              + width
              + "x"
              + height
              + " RGB");
    }
    if (packed != null && pixels != packed.length) {
      throw new IllegalArgumentException(
          "packed pixel array has "
              + packed.length
              + " ints, expected "
              + pixels
              + " for "
              + width
              + "x"
              + height);
    }
    this.width = width;
    this.height = height;
    this.rgb = rgb;
    this.packed = packed;
  }

  /**
   * An image over packed pixels, one int per pixel, {@code (r << 16) | (g << 8) | b}; bits 24..31
   * are ignored.
   */
  public static RgbImage ofPacked(int width, int height, int[] packed) {
    return new RgbImage(width, height, null, Objects.requireNonNull(packed, "packed"));
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /**
   * Interleaved RGB bytes, {@code 3 * width * height} long; index {@code (y * width + x) * 3 + c}.
   */
  public byte[] rgb() {
    byte[] r = rgb;
    if (r == null) {
      int[] p = packed;
      r = new byte[p.length * 3];
      for (int i = 0, o = 0; i < p.length; i++, o += 3) {
        int v = p[i];
        r[o] = (byte) (v >> 16);
        r[o + 1] = (byte) (v >> 8);
        r[o + 2] = (byte) v;
      }
      rgb = r;
    }
    return r;
  }

  /**
   * Packed pixels, {@code width * height} long; index {@code y * width + x}; bits 24..31 are
   * unspecified.
   */
  public int[] packed() {
    int[] p = packed;
    if (p == null) {
      byte[] r = rgb;
      p = new int[width * height];
      for (int i = 0, o = 0; i < p.length; i++, o += 3) {
        p[i] = (r[o] & 0xFF) << 16 | (r[o + 1] & 0xFF) << 8 | (r[o + 2] & 0xFF);
      }
      packed = p;
    }
    return p;
  }

  /** The packed layout if it exists already, else {@code null} (no conversion). */
  int[] packedIfPresent() {
    return packed;
  }

  /** An independent copy (PIL returns a copy when a resize does not change the size). */
  public RgbImage copy() {
    byte[] r = rgb;
    return r != null
        ? new RgbImage(width, height, r.clone(), null)
        : new RgbImage(width, height, null, packed.clone());
  }

  @Override
  public String toString() {
    return "RgbImage[" + width + "x" + height + "]";
  }
}
