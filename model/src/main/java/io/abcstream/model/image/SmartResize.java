package io.abcstream.model.image;

/**
 * The two {@code smart_resize} functions of the ABC reference, computed with the same IEEE double
 * operations as the Python code (true division, {@code round} = round-half-even, {@code
 * math.floor}/{@code math.ceil}, {@code math.sqrt}), so the chosen sizes are identical.
 *
 * <ul>
 *   <li>{@link #qwenVlUtils}: {@code qwen_vl_utils.vision_process.smart_resize} (stage 1, called
 *       from {@code fetch_image}): ratio check, then {@code max(factor, round_by_factor(..))}.
 *   <li>{@link #hfProcessor}: {@code
 *       transformers.models.qwen2_vl.image_processing_qwen2_vl.smart_resize} (stage 2): rejects
 *       sides below {@code factor}, ratio check, then plain {@code round_by_factor}.
 * </ul>
 */
public final class SmartResize {
  /** qwen_vl_utils IMAGE_FACTOR. */
  public static final int FACTOR = 28;

  /** qwen_vl_utils MIN_PIXELS = 4 * 28 * 28. */
  public static final long STAGE1_MIN_PIXELS = 4L * 28 * 28;

  /** qwen_vl_utils MAX_PIXELS = 16384 * 28 * 28. */
  public static final long STAGE1_MAX_PIXELS = 16384L * 28 * 28;

  /** qwen_vl_utils MAX_RATIO and the HF processor's hard-coded 200. */
  public static final int MAX_RATIO = 200;

  /** Qwen2-VL preprocessor_config.json min_pixels = 256 * 28 * 28. */
  public static final long STAGE2_MIN_PIXELS = 256L * 28 * 28;

  /** Qwen2-VL preprocessor_config.json max_pixels = 1024 * 28 * 28. */
  public static final long STAGE2_MAX_PIXELS = 1024L * 28 * 28;

  /** A (height, width) pair, in the order the Python functions return them. */
  public record Size(int height, int width) {
    public long pixels() {
      return (long) height * width;
    }
  }

  private SmartResize() {}

  /**
   * Stage 1, {@code qwen_vl_utils.smart_resize(height, width, factor, min_pixels, max_pixels)}.
   *
   * @throws ImageException {@link ImageException.Kind#UNSUPPORTED_IMAGE_SHAPE} when {@code max(h,
   *     w) / min(h, w) > maxRatio} (the reference raises ValueError)
   */
  public static Size qwenVlUtils(
      int height, int width, int factor, long minPixels, long maxPixels, double maxRatio) {
    checkPositive(height, width, factor);
    checkRatio(height, width, maxRatio, "stage 1 (qwen_vl_utils.smart_resize)");
    long hBar = Math.max(factor, roundByFactor(height, factor));
    long wBar = Math.max(factor, roundByFactor(width, factor));
    return bound(height, width, factor, minPixels, maxPixels, hBar, wBar);
  }

  /** Stage 1 with the reference's numbers (factor 28, 4·28·28 … 16384·28·28, ratio 200). */
  public static Size qwenVlUtils(int height, int width) {
    return qwenVlUtils(height, width, FACTOR, STAGE1_MIN_PIXELS, STAGE1_MAX_PIXELS, MAX_RATIO);
  }

  /**
   * Stage 2, the Qwen2-VL image processor's {@code smart_resize(height, width, factor, min_pixels,
   * max_pixels)} with {@code factor = patch_size * merge_size}.
   *
   * @throws ImageException {@link ImageException.Kind#UNSUPPORTED_IMAGE_SHAPE} when a side is below
   *     {@code factor} or the aspect ratio is over {@code maxRatio} (the reference raises
   *     ValueError)
   */
  public static Size hfProcessor(
      int height, int width, int factor, long minPixels, long maxPixels, double maxRatio) {
    checkPositive(height, width, factor);
    if (height < factor || width < factor) {
      throw new ImageException(
          ImageException.Kind.UNSUPPORTED_IMAGE_SHAPE,
          "stage 2 (image processor): height:"
              + height
              + " or width:"
              + width
              + " must be larger than factor:"
              + factor);
    }
    checkRatio(height, width, maxRatio, "stage 2 (image processor smart_resize)");
    long hBar = roundByFactor(height, factor);
    long wBar = roundByFactor(width, factor);
    return bound(height, width, factor, minPixels, maxPixels, hBar, wBar);
  }

  /**
   * Stage 2 with the Qwen2-VL preprocessor config's numbers (factor 28, 256·28·28 … 1024·28·28,
   * ratio 200).
   */
  public static Size hfProcessor(int height, int width) {
    return hfProcessor(height, width, FACTOR, STAGE2_MIN_PIXELS, STAGE2_MAX_PIXELS, MAX_RATIO);
  }

  private static Size bound(
      int height, int width, int factor, long minPixels, long maxPixels, long hBar, long wBar) {
    if (hBar * wBar > maxPixels) {
      // beta = math.sqrt((height * width) / max_pixels): exact int product, correctly rounded
      // quotient
      double beta = Math.sqrt((double) ((long) height * width) / (double) maxPixels);
      hBar = floorByFactor(height / beta, factor);
      wBar = floorByFactor(width / beta, factor);
    } else if (hBar * wBar < minPixels) {
      double beta = Math.sqrt((double) minPixels / (double) ((long) height * width));
      hBar = ceilByFactor(height * beta, factor);
      wBar = ceilByFactor(width * beta, factor);
    }
    if (hBar <= 0 || wBar <= 0 || hBar > Integer.MAX_VALUE || wBar > Integer.MAX_VALUE) {
      // cannot happen within the ratio limit; guard against absurd parameters
      throw new ImageException(
          ImageException.Kind.UNSUPPORTED_IMAGE_SHAPE,
          "smart_resize produced an unusable size "
              + hBar
              + "x"
              + wBar
              + " for "
              + height
              + "x"
              + width);
    }
    return new Size((int) hBar, (int) wBar);
  }

  /** Python {@code round(number / factor) * factor}: float true division, round-half-even. */
  static long roundByFactor(double number, int factor) {
    return (long) Math.rint(number / factor) * factor;
  }

  /** Python {@code math.floor(number / factor) * factor}. */
  static long floorByFactor(double number, int factor) {
    return (long) Math.floor(number / factor) * factor;
  }

  /** Python {@code math.ceil(number / factor) * factor}. */
  static long ceilByFactor(double number, int factor) {
    return (long) Math.ceil(number / factor) * factor;
  }

  private static void checkPositive(int height, int width, int factor) {
    if (height <= 0 || width <= 0) {
      throw new ImageException(
          ImageException.Kind.UNDECODABLE_IMAGE,
          "image dimensions must be positive, got height " + height + ", width " + width);
    }
    if (factor <= 0) {
      throw new IllegalArgumentException("factor must be positive: " + factor);
    }
  }

  private static void checkRatio(int height, int width, double maxRatio, String stage) {
    double ratio = (double) Math.max(height, width) / (double) Math.min(height, width);
    if (ratio > maxRatio) {
      throw new ImageException(
          ImageException.Kind.UNSUPPORTED_IMAGE_SHAPE,
          stage
              + ": absolute aspect ratio must be at most "
              + maxRatio
              + ", got "
              + ratio
              + " ("
              + height
              + " / "
              + width
              + ")");
    }
  }
}
