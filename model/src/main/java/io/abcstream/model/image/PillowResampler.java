package io.abcstream.model.image;

import java.util.Arrays;

/**
 * Bit-exact Java implementation of Pillow's fixed-point separable resampling ({@code
 * libImaging/Resample.c}, the 8-bit path) for RGB images, as {@code PIL.Image.resize(size)} runs it
 * for mode "RGB" with the default (BICUBIC) filter and no box / reducing gap.
 *
 * <p>Algorithm, as Pillow does it:
 *
 * <ol>
 *   <li>Per output column (and, separately, per output row) the filter is centred at {@code (i +
 *       0.5) * scale} in input coordinates, its support widened by the downscale factor ({@code
 *       support = filter.support * max(1, scale)}), the taps clipped to the image, the weights
 *       normalised to sum 1 (double precision) and then converted to fixed point with {@link
 *       #PRECISION_BITS} = 22 bits, rounding half away from zero.
 *   <li>If the width changes, a horizontal pass runs first, over only the input rows the vertical
 *       pass will read, into an 8-bit intermediate; then, if the height changes, a vertical pass.
 *       Each accumulator starts at {@code 1 << (PRECISION_BITS - 1)} and the result is {@code
 *       clip8(acc >> PRECISION_BITS)}.
 *   <li>If the size does not change, the result is a copy.
 * </ol>
 *
 * <p>With {@code --add-modules jdk.incubator.vector} the work goes to {@link VectorResampler} (same
 * pixels, several times faster); otherwise the portable implementation below runs. Portable
 * implementation: coefficient tables per call; the two passes are fused row by row (each
 * intermediate row the vertical pass needs is produced once by the horizontal pass into a ring of
 * {@code ksize} int rows holding the same clipped 8-bit values Pillow keeps in its intermediate
 * image), so there is no full-size intermediate and the vertical accumulation is a plain int
 * multiply-add the JIT vectorises. int arithmetic only in the pixel loops, no per-pixel allocation.
 * Stateless and thread-safe.
 */
public final class PillowResampler {
  /** Pillow: 8 bits for the result, 2 extra bits for overshoot and sign. */
  public static final int PRECISION_BITS = 32 - 8 - 2;

  private static final int HALF = 1 << (PRECISION_BITS - 1);
  private static final double ONE = 1 << PRECISION_BITS;

  /** Resampling filters of Pillow; only the ones the ABC path needs are offered. */
  public enum Filter {
    /**
     * Pillow's BICUBIC (Keys cubic, a = -0.5), support 2. The default of {@code Image.resize} for
     * RGB.
     */
    BICUBIC(2.0) {
      @Override
      double weight(double x) {
        final double a = -0.5;
        if (x < 0.0) {
          x = -x;
        }
        if (x < 1.0) {
          return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
          return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
      }
    },
    /** Pillow's BILINEAR (triangle), support 1. */
    BILINEAR(1.0) {
      @Override
      double weight(double x) {
        if (x < 0.0) {
          x = -x;
        }
        if (x < 1.0) {
          return 1.0 - x;
        }
        return 0.0;
      }
    };

    final double support;

    Filter(double support) {
      this.support = support;
    }

    abstract double weight(double x);
  }

  private PillowResampler() {}

  /** {@code image.resize((width, height))} with Pillow's default filter for RGB (BICUBIC). */
  public static RgbImage resize(RgbImage in, int width, int height) {
    return resize(in, width, height, Filter.BICUBIC);
  }

  /**
   * {@code image.resize((width, height), filter)}. Returns a copy when the size does not change.
   */
  public static RgbImage resize(RgbImage in, int width, int height, Filter filter) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "target size must be positive, got " + width + "x" + height);
    }
    if (ResampleEngine.VECTOR) {
      return VectorResampler.resize(in, width, height, filter);
    }
    return resizeScalar(in, width, height, filter);
  }

  /** The portable implementation (also the reference the vectorised one is tested against). */
  static RgbImage resizeScalar(RgbImage in, int width, int height, Filter filter) {
    int inW = in.width();
    int inH = in.height();
    if (inW == width && inH == height) {
      return in.copy();
    }
    boolean needHorizontal = width != inW;
    boolean needVertical = height != inH;

    // Tables only for the axes that change: an unchanged axis is an identity pass that is skipped.
    Coefficients horiz = needHorizontal ? Coefficients.compute(inW, width, filter) : null;

    byte[] src = in.rgb();
    if (!needVertical) {
      // Horizontal only: the vertical coefficients are the identity, every input row is used once.
      byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(width, inH), 3)];
      int[] row = new int[width * 3];
      for (int y = 0; y < inH; y++) {
        horizontalRow(src, y * inW * 3, row, width, horiz);
        toBytes(row, out, y * width * 3);
      }
      return new RgbImage(width, inH, out);
    }
    // Vertical pass (after the horizontal one when the width changes), fused row by row: the
    // horizontal pass
    // produces each needed intermediate row once into a small ring of int rows (values are the
    // clipped uint8
    // results Pillow stores in its intermediate image, so the result is identical), and the
    // vertical pass
    // accumulates int rows, which the JIT vectorises. Memory: ksize rows instead of a full
    // intermediate image.
    final Coefficients vert = Coefficients.compute(inH, height, filter);
    final int outW = needHorizontal ? width : inW;
    final int stride = outW * 3;
    final int ringSize = vert.ksize;
    final int[][] ring = new int[ringSize][stride];
    final int[] acc = new int[stride];
    final byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(outW, height), 3)];
    int next = 0; // next input row to produce
    for (int yy = 0; yy < height; yy++) {
      final int ymin = vert.bounds[2 * yy];
      final int n = vert.bounds[2 * yy + 1];
      if (next < ymin) {
        next = ymin;
      }
      for (; next < ymin + n; next++) {
        int[] slot = ring[next % ringSize];
        if (needHorizontal) {
          horizontalRow(src, next * inW * 3, slot, width, horiz);
        } else {
          final int off = next * stride;
          for (int j = 0; j < stride; j++) {
            slot[j] = src[off + j] & 0xFF;
          }
        }
      }
      Arrays.fill(acc, HALF);
      final int kOff = yy * vert.ksize;
      for (int i = 0; i < n; i++) {
        final int k = vert.k[kOff + i];
        final int[] r = ring[(ymin + i) % ringSize];
        for (int j = 0; j < stride; j++) {
          acc[j] += r[j] * k;
        }
      }
      final int o = yy * stride;
      for (int j = 0; j < stride; j++) {
        out[o + j] = clip8(acc[j]);
      }
    }
    return new RgbImage(outW, height, out);
  }

  /** One row of Pillow's horizontal pass into clipped int samples (0..255). */
  private static void horizontalRow(byte[] src, int rowIn, int[] dst, int dstW, Coefficients c) {
    final int[] bounds = c.bounds;
    final int[] kk = c.k;
    final int ksize = c.ksize;
    int o = 0;
    for (int xx = 0; xx < dstW; xx++) {
      final int n = bounds[2 * xx + 1];
      final int kOff = xx * ksize;
      int p = rowIn + bounds[2 * xx] * 3;
      int s0 = HALF;
      int s1 = HALF;
      int s2 = HALF;
      for (int i = 0; i < n; i++, p += 3) {
        final int k = kk[kOff + i];
        s0 += (src[p] & 0xFF) * k;
        s1 += (src[p + 1] & 0xFF) * k;
        s2 += (src[p + 2] & 0xFF) * k;
      }
      dst[o] = clip(s0);
      dst[o + 1] = clip(s1);
      dst[o + 2] = clip(s2);
      o += 3;
    }
  }

  private static void toBytes(int[] row, byte[] out, int off) {
    for (int j = 0; j < row.length; j++) {
      out[off + j] = (byte) row[j];
    }
  }

  private static int clip(int acc) {
    int v = acc >> PRECISION_BITS;
    return v < 0 ? 0 : (v > 255 ? 255 : v);
  }

  private static byte clip8(int acc) {
    return (byte) clip(acc);
  }

  /**
   * Fixed-point filter taps for one axis, exactly as Pillow's {@code precompute_coeffs} + 8bpc
   * normalisation.
   */
  static final class Coefficients {
    final int ksize;

    /** Per output index: first input index, tap count. */
    final int[] bounds;

    /** Per output index: ksize fixed-point weights (unused tail zero). */
    final int[] k;

    private Coefficients(int ksize, int[] bounds, int[] k) {
      this.ksize = ksize;
      this.bounds = bounds;
      this.k = k;
    }

    static Coefficients compute(int inSize, int outSize, Filter filter) {
      // Pillow passes the box as floats: in0 = 0.0f, in1 = (float) inSize; (in1 - in0) is a float
      // subtraction.
      final float in0 = 0.0f;
      final float in1 = (float) inSize;
      double scale = (double) (in1 - in0) / outSize;
      double filterscale = scale < 1.0 ? 1.0 : scale;
      double support = filter.support * filterscale;
      int ksize = (int) Math.ceil(support) * 2 + 1;
      if ((long) outSize * ksize > Integer.MAX_VALUE - 16) {
        throw new IllegalArgumentException(
            "resampling table too large: " + outSize + " x " + ksize);
      }
      int[] bounds = new int[outSize * 2];
      int[] fixed = new int[outSize * ksize];
      double[] w = new double[ksize];
      double ss = 1.0 / filterscale;
      for (int xx = 0; xx < outSize; xx++) {
        double center = in0 + (xx + 0.5) * scale;
        double ww = 0.0;
        int xmin = (int) (center - support + 0.5);
        if (xmin < 0) {
          xmin = 0;
        }
        int xmax = (int) (center + support + 0.5);
        if (xmax > inSize) {
          xmax = inSize;
        }
        xmax -= xmin;
        for (int x = 0; x < xmax; x++) {
          double v = filter.weight((x + xmin - center + 0.5) * ss);
          w[x] = v;
          ww += v;
        }
        int off = xx * ksize;
        for (int x = 0; x < xmax; x++) {
          double v = w[x];
          if (ww != 0.0) {
            v /= ww;
          }
          fixed[off + x] = v < 0 ? (int) (-0.5 + v * ONE) : (int) (0.5 + v * ONE);
        }
        bounds[xx * 2] = xmin;
        bounds[xx * 2 + 1] = xmax;
      }
      return new Coefficients(ksize, bounds, fixed);
    }
  }
}
