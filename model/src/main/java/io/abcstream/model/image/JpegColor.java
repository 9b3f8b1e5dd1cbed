package io.abcstream.model.image;

import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.awt.image.SampleModel;

/**
 * Colour handling of decoded JPEG components, matching libjpeg(-turbo) as Pillow drives it: the
 * colour space is guessed from the markers exactly as libjpeg's {@code default_decompress_parms}
 * does, YCbCr→RGB uses libjpeg's 16-bit fixed-point tables ({@code jdcolor.c}), YCCK→CMYK likewise,
 * and CMYK is read inverted ({@code "CMYK;I"}, Pillow always assumes Adobe conventions) and
 * converted with Pillow's {@code cmyk2rgb}.
 */
final class JpegColor {
  private static final int SCALEBITS = 16;
  private static final int ONE_HALF = 1 << (SCALEBITS - 1);
  private static final int[] CR_R = new int[256];
  private static final int[] CB_B = new int[256];
  private static final int[] CR_G = new int[256];
  private static final int[] CB_G = new int[256];

  /**
   * libjpeg-style range limiting table: {@code RANGE_LIMIT[RANGE_OFFSET + v] = clamp(v)} for v in
   * -512..511.
   */
  private static final int RANGE_OFFSET = 512;

  private static final byte[] RANGE_LIMIT = new byte[1024];

  static {
    for (int v = -RANGE_OFFSET; v < RANGE_OFFSET; v++) {
      RANGE_LIMIT[RANGE_OFFSET + v] = (byte) (v < 0 ? 0 : (v > 255 ? 255 : v));
    }
    for (int i = 0; i < 256; i++) {
      int x = i - 128;
      CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALEBITS;
      CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALEBITS;
      CR_G[i] = -fix(0.71414) * x;
      CB_G[i] = -fix(0.34414) * x + ONE_HALF;
    }
  }

  private JpegColor() {}

  private static int fix(double x) {
    return (int) (x * (1L << SCALEBITS) + 0.5);
  }

  private static int clamp(int v) {
    return v < 0 ? 0 : (v > 255 ? 255 : v);
  }

  /** Pillow's {@code cmyk2rgb} on already-uninverted CMYK values. */
  static void cmykToRgb(int c, int m, int y, int k, byte[] out, int o) {
    int nk = 255 - k;
    out[o] = (byte) clamp(nk - mulDiv255(c, nk));
    out[o + 1] = (byte) clamp(nk - mulDiv255(m, nk));
    out[o + 2] = (byte) clamp(nk - mulDiv255(y, nk));
  }

  private static int mulDiv255(int a, int b) {
    int tmp = a * b + 128;
    return ((tmp >> 8) + tmp) >> 8;
  }

  enum Space {
    GRAY,
    YCBCR,
    RGB,
    CMYK,
    YCCK
  }

  /** What the stream's markers say, up to the first SOS. */
  static final class Markers {
    boolean jfif;
    boolean adobe;
    int adobeTransform = -1;
    int components = -1;
    int precision = -1;
    int[] componentIds = new int[0];

    static Markers parse(byte[] d) {
      Markers m = new Markers();
      int i = 2;
      while (i + 4 <= d.length) {
        if ((d[i] & 0xFF) != 0xFF) {
          i++; // junk between markers, as Pillow/libjpeg skip it
          continue;
        }
        int marker = d[i + 1] & 0xFF;
        if (marker == 0xFF || marker == 0x00) {
          i++;
          continue;
        }
        if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
          i += 2;
          continue;
        }
        if (marker == 0xD9 || marker == 0xDA) {
          break;
        }
        int len = ((d[i + 2] & 0xFF) << 8) | (d[i + 3] & 0xFF);
        int p = i + 4;
        int n = len - 2;
        if (n < 0 || p + n > d.length) {
          break;
        }
        if (marker == 0xE0
            && n >= 14
            && d[p] == 'J'
            && d[p + 1] == 'F'
            && d[p + 2] == 'I'
            && d[p + 3] == 'F'
            && d[p + 4] == 0) {
          m.jfif = true;
        } else if (marker == 0xEE
            && n >= 12
            && d[p] == 'A'
            && d[p + 1] == 'd'
            && d[p + 2] == 'o'
            && d[p + 3] == 'b'
            && d[p + 4] == 'e') {
          m.adobe = true;
          m.adobeTransform = d[p + 11] & 0xFF;
        } else if (isSof(marker) && n >= 6) {
          m.precision = d[p] & 0xFF;
          m.components = d[p + 5] & 0xFF;
          int nc = Math.min(m.components, (n - 6) / 3);
          m.componentIds = new int[nc];
          for (int c = 0; c < nc; c++) {
            m.componentIds[c] = d[p + 6 + 3 * c] & 0xFF;
          }
        }
        i = p + n;
      }
      return m;
    }

    private static boolean isSof(int marker) {
      return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    }

    /** libjpeg's {@code default_decompress_parms} colour space guess. */
    Space space(int bands) {
      switch (bands) {
        case 1:
          return Space.GRAY;
        case 3:
          if (jfif) {
            return Space.YCBCR;
          }
          if (adobe) {
            return adobeTransform == 0 ? Space.RGB : Space.YCBCR;
          }
          if (componentIds.length == 3) {
            int a = componentIds[0];
            int b = componentIds[1];
            int c = componentIds[2];
            if (a == 1 && b == 2 && c == 3) {
              return Space.YCBCR;
            }
            if (a == 'R' && b == 'G' && c == 'B') {
              return Space.RGB;
            }
          }
          return Space.YCBCR;
        case 4:
          if (adobe) {
            return adobeTransform == 0 ? Space.CMYK : Space.YCCK;
          }
          return Space.CMYK;
        default:
          throw new ImageException(
              ImageException.Kind.UNDECODABLE_IMAGE,
              "JPEG: cannot handle " + bands + "-layer images");
      }
    }
  }

  /** Converts the raw component raster (as stored, upsampled) to Pillow's RGB. */
  static RgbImage toRgb(Raster raster, Markers markers, int width, int height) {
    if (markers.precision > 0 && markers.precision != 8) {
      throw new ImageException(
          ImageException.Kind.UNDECODABLE_IMAGE,
          "JPEG: cannot handle " + markers.precision + "-bit layers");
    }
    if (raster.getWidth() != width || raster.getHeight() != height) {
      throw new ImageException(
          ImageException.Kind.UNDECODABLE_IMAGE,
          "JPEG: decoded size "
              + raster.getWidth()
              + "x"
              + raster.getHeight()
              + " differs from the header's "
              + width
              + "x"
              + height);
    }
    int bands = raster.getNumBands();
    Space space = markers.space(bands);
    Access a = Access.of(raster, bands);
    if ((space == Space.YCBCR || space == Space.RGB) && a.isPackedRgb(width, height)) {
      // The usual case: convert in place and hand the decoder's array over, no second 3·w·h buffer.
      if (space == Space.YCBCR) {
        yccToRgbInPlace(a.data, width * height * 3);
      }
      return new RgbImage(width, height, a.data);
    }
    byte[] out = new byte[width * height * 3];
    int o = 0;
    for (int y = 0; y < height; y++) {
      int p = a.rowStart(y);
      final byte[] d = a.data;
      final int ps = a.pixelStride;
      final int[] bo = a.bandOffsets;
      switch (space) {
        case GRAY:
          {
            int b0 = bo[0];
            for (int x = 0; x < width; x++, p += ps) {
              byte v = d[p + b0];
              out[o++] = v;
              out[o++] = v;
              out[o++] = v;
            }
            break;
          }
        case RGB:
          {
            int b0 = bo[0];
            int b1 = bo[1];
            int b2 = bo[2];
            for (int x = 0; x < width; x++, p += ps) {
              out[o++] = d[p + b0];
              out[o++] = d[p + b1];
              out[o++] = d[p + b2];
            }
            break;
          }
        case YCBCR:
          {
            int b0 = bo[0];
            int b1 = bo[1];
            int b2 = bo[2];
            for (int x = 0; x < width; x++, p += ps) {
              int yy = d[p + b0] & 0xFF;
              int cb = d[p + b1] & 0xFF;
              int cr = d[p + b2] & 0xFF;
              out[o++] = (byte) clamp(yy + CR_R[cr]);
              out[o++] = (byte) clamp(yy + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS));
              out[o++] = (byte) clamp(yy + CB_B[cb]);
            }
            break;
          }
        case CMYK:
        case YCCK:
          {
            int b0 = bo[0];
            int b1 = bo[1];
            int b2 = bo[2];
            int b3 = bo[3];
            boolean ycck = space == Space.YCCK;
            for (int x = 0; x < width; x++, p += ps) {
              int c = d[p + b0] & 0xFF;
              int m = d[p + b1] & 0xFF;
              int ye = d[p + b2] & 0xFF;
              int k = d[p + b3] & 0xFF;
              if (ycck) {
                int yy = c;
                int cb = m;
                int cr = ye;
                c = 255 - clamp(yy + CR_R[cr]);
                m = 255 - clamp(yy + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS));
                ye = 255 - clamp(yy + CB_B[cb]);
              }
              // Pillow reads JPEG CMYK as "CMYK;I" (inverted), then cmyk2rgb
              cmykToRgb(255 - c, 255 - m, 255 - ye, 255 - k, out, o);
              o += 3;
            }
            break;
          }
        default:
          throw new IllegalStateException(space.name());
      }
    }
    return new RgbImage(width, height, out);
  }

  /** libjpeg's {@code ycc_rgb_convert} over a packed Y,Cb,Cr array, in place. */
  static void yccToRgbInPlace(byte[] d, int len) {
    final byte[] lim = RANGE_LIMIT;
    final int[] crr = CR_R;
    final int[] cbb = CB_B;
    final int[] crg = CR_G;
    final int[] cbg = CB_G;
    for (int p = 0; p + 2 < len; p += 3) {
      final int yy = d[p] & 0xFF;
      final int cb = d[p + 1] & 0xFF;
      final int cr = d[p + 2] & 0xFF;
      d[p] = lim[RANGE_OFFSET + yy + crr[cr]];
      d[p + 1] = lim[RANGE_OFFSET + yy + ((cbg[cb] + crg[cr]) >> SCALEBITS)];
      d[p + 2] = lim[RANGE_OFFSET + yy + cbb[cb]];
    }
  }

  /** Direct access to an interleaved byte raster, or a copy into one. */
  private static final class Access {
    byte[] data;
    int pixelStride;
    int scanlineStride;
    int base;
    int[] bandOffsets;

    static Access of(Raster raster, int bands) {
      Access a = new Access();
      SampleModel sm = raster.getSampleModel();
      if (sm instanceof ComponentSampleModel
          && raster.getDataBuffer() instanceof DataBufferByte
          && raster.getDataBuffer().getNumBanks() == 1
          && allZero(((ComponentSampleModel) sm).getBankIndices())) {
        ComponentSampleModel csm = (ComponentSampleModel) sm;
        a.data = ((DataBufferByte) raster.getDataBuffer()).getData();
        a.pixelStride = csm.getPixelStride();
        a.scanlineStride = csm.getScanlineStride();
        a.bandOffsets = csm.getBandOffsets();
        a.base =
            raster.getDataBuffer().getOffset()
                - raster.getSampleModelTranslateX() * a.pixelStride
                - raster.getSampleModelTranslateY() * a.scanlineStride;
        return a;
      }
      int w = raster.getWidth();
      int h = raster.getHeight();
      int[] px = raster.getPixels(raster.getMinX(), raster.getMinY(), w, h, (int[]) null);
      a.data = new byte[px.length];
      for (int i = 0; i < px.length; i++) {
        a.data[i] = (byte) px[i];
      }
      a.pixelStride = bands;
      a.scanlineStride = w * bands;
      a.base = 0;
      a.bandOffsets = new int[bands];
      for (int b = 0; b < bands; b++) {
        a.bandOffsets[b] = b;
      }
      return a;
    }

    /**
     * True when the data is exactly {@code width·height} packed 3-byte pixels in band order 0,1,2.
     */
    boolean isPackedRgb(int width, int height) {
      return pixelStride == 3
          && bandOffsets.length == 3
          && bandOffsets[0] == 0
          && bandOffsets[1] == 1
          && bandOffsets[2] == 2
          && base == 0
          && scanlineStride == width * 3
          && data.length == width * height * 3;
    }

    int rowStart(int y) {
      return base + y * scanlineStride;
    }

    private static boolean allZero(int[] v) {
      for (int x : v) {
        if (x != 0) {
          return false;
        }
      }
      return true;
    }
  }
}
