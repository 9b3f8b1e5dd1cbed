package io.abcstream.model.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Shared helpers: deterministic synthetic pixels (mirrors gen_image_goldens.py), resources, hashes.
 */
final class TestImages {
  private TestImages() {}

  /**
   * Same bits as {@code pattern(w, h, kind, seed)} in gen_image_goldens.py (uint32 wrap-around
   * arithmetic).
   */
  static RgbImage pattern(int w, int h, String kind, int seed) {
    byte[] px = new byte[w * h * 3];
    int seedMix = (int) ((seed * 2654435761L) & 0xFFFFFFFFL);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int c = 0; c < 3; c++) {
          int v =
              (x * 73856093)
                  ^ (y * 19349663)
                  ^ (int) (((c + 1) * 83492791L) & 0xFFFFFFFFL)
                  ^ seedMix;
          v ^= v >>> 13;
          v *= 0x5BD1E995;
          v ^= v >>> 15;
          int noise = v & 255;
          int val;
          if (kind.equals("noise")) {
            val = noise;
          } else {
            val = ((x / 7) * 37 + (y / 5) * 53 + c * 91 + (noise & 15)) & 255;
          }
          px[(y * w + x) * 3 + c] = (byte) val;
        }
      }
    }
    return new RgbImage(w, h, px);
  }

  static byte[] resource(String name) {
    try (InputStream in = TestImages.class.getResourceAsStream("/image/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource /image/" + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sha256(float[] data) {
    byte[] b = new byte[data.length * 4];
    for (int i = 0; i < data.length; i++) {
      int v = Float.floatToRawIntBits(data[i]);
      b[4 * i] = (byte) v;
      b[4 * i + 1] = (byte) (v >>> 8);
      b[4 * i + 2] = (byte) (v >>> 16);
      b[4 * i + 3] = (byte) (v >>> 24);
    }
    return sha256(b);
  }

  /**
   * Largest per-sample difference; arrays of different lengths are a failure, not a partial
   * comparison.
   */
  static int maxAbsDiff(byte[] a, byte[] b) {
    if (a.length != b.length) {
      throw new AssertionError("sample arrays differ in length: " + a.length + " vs " + b.length);
    }
    int max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs((a[i] & 0xFF) - (b[i] & 0xFF)));
    }
    return max;
  }
}
