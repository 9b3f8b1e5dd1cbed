package io.abcstream.model.image;

import java.util.Objects;

/**
 * An 8-bit RGB image, row-major, interleaved {@code R,G,B} bytes (unsigned), exactly the memory layout of
 * {@code numpy.asarray(PIL.Image)} for a mode "RGB" image.
 *
 * <p>The pixel array is owned by this object; it is not copied on construction or on {@link #rgb()}, so callers
 * must not mutate it after handing it over (the classes of this package never do).
 */
public final class RgbImage {
    private final int width;
    private final int height;
    private final byte[] rgb;

    public RgbImage(int width, int height, byte[] rgb) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image dimensions must be positive, got " + width + "x" + height);
        }
        Objects.requireNonNull(rgb, "rgb");
        if ((long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException("pixel array has " + rgb.length + " bytes, expected "
                    + ((long) width * height * 3) + " for " + width + "x" + height + " RGB");
        }
        this.width = width;
        this.height = height;
        this.rgb = rgb;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** Interleaved RGB bytes, {@code 3 * width * height} long; index {@code (y * width + x) * 3 + c}. */
    public byte[] rgb() {
        return rgb;
    }

    /** Unsigned sample at (x, y) for channel c (0 = R, 1 = G, 2 = B). */
    public int sample(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xFF;
    }

    public long pixelCount() {
        return (long) width * height;
    }

    /** An independent copy (PIL returns a copy when a resize does not change the size). */
    public RgbImage copy() {
        return new RgbImage(width, height, rgb.clone());
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
