package io.abcstream.model.image;

import java.util.Arrays;
import java.util.Objects;

/**
 * The ABC image preprocessing, both stages, exactly as the reference runs it:
 *
 * <ol>
 *   <li>{@code qwen_vl_utils.fetch_image}: {@link SmartResize#qwenVlUtils} (factor 28, 4·28·28 …
 *       16384·28·28 pixels, aspect ratio ≤ 200) then Pillow BICUBIC {@code resize};
 *   <li>the Qwen2-VL image processor: {@link SmartResize#hfProcessor} (factor patch·merge = 28,
 *       256·28·28 … 1024·28·28) then Pillow BICUBIC again.
 * </ol>
 *
 * Rescale (×1/255), CLIP normalisation, temporal duplication and patchify happen lazily in {@link
 * PreprocessedImage#writePixelRows(float[], int)}.
 *
 * <p>All numbers default to the reference and can be overridden from the model bundle's manifest
 * through the {@link Builder}. Instances are immutable and thread-safe.
 */
public final class AbcPreprocessor {
  /** OpenAI CLIP mean used by the Qwen2-VL processor. */
  public static final double[] OPENAI_CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};

  /** OpenAI CLIP std used by the Qwen2-VL processor. */
  public static final double[] OPENAI_CLIP_STD = {0.26862954, 0.26130258, 0.27577711};

  private final int stage1Factor;
  private final long stage1MinPixels;
  private final long stage1MaxPixels;
  private final double maxRatio;
  private final long minPixels;
  private final long maxPixels;
  private final int patchSize;
  private final int mergeSize;
  private final int temporalPatchSize;
  private final double rescaleFactor;
  private final double[] mean;
  private final double[] std;
  private final float[][] lut;

  private AbcPreprocessor(Builder b) {
    this.stage1Factor = b.stage1Factor;
    this.stage1MinPixels = b.stage1MinPixels;
    this.stage1MaxPixels = b.stage1MaxPixels;
    this.maxRatio = b.maxRatio;
    this.minPixels = b.minPixels;
    this.maxPixels = b.maxPixels;
    this.patchSize = b.patchSize;
    this.mergeSize = b.mergeSize;
    this.temporalPatchSize = b.temporalPatchSize;
    this.rescaleFactor = b.rescaleFactor;
    this.mean = b.mean.clone();
    this.std = b.std.clone();
    this.lut = buildLut(rescaleFactor, mean, std);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A preprocessor with the reference's numbers. */
  public static AbcPreprocessor defaults() {
    return builder().build();
  }

  /**
   * Runs both resize stages.
   *
   * @throws ImageException {@link ImageException.Kind#UNSUPPORTED_IMAGE_SHAPE} if either stage's
   *     {@code smart_resize} rejects the size (aspect ratio over 200, as the reference)
   */
  public PreprocessedImage preprocess(RgbImage image) {
    RgbImage resized;
    if (ResampleEngine.VECTOR) {
      // Both stages stream row by row, so the stage-1 image (up to 12.8 megapixels) never exists.
      SmartResize.Size s1 = stage1Size(image.height(), image.width());
      SmartResize.Size s2 = stage2Size(s1.height(), s1.width());
      resized =
          VectorResampler.resizeChain(
              image,
              PillowResampler.Filter.BICUBIC,
              s1.width(),
              s1.height(),
              s2.width(),
              s2.height());
    } else {
      resized = stage2(stage1(image));
    }
    return new PreprocessedImage(resized, patchSize, mergeSize, temporalPatchSize, lut);
  }

  /**
   * {@code preprocess(decoder.decode(encoded))}, with the same result and the same errors, but for
   * JPEGs the native decoder takes (and with the vectorised resampler) the image is decoded row by
   * row into the first resize, so no full-size pixel array is ever allocated (48 MB for a
   * 12-megapixel photo).
   *
   * @throws ImageException as {@link ImageDecoder#decode(byte[])} and {@link #preprocess(RgbImage)}
   */
  public PreprocessedImage decodeAndPreprocess(ImageDecoder decoder, byte[] encoded) {
    if (ResampleEngine.VECTOR) {
      try (NativeJpeg.RowReader jpeg = decoder.openJpegRows(encoded)) {
        if (jpeg != null) {
          return streamRows(jpeg);
        }
      }
    }
    return preprocess(decoder.decode(encoded));
  }

  /**
   * {@link #decodeAndPreprocess(ImageDecoder, byte[])} of an image already {@link
   * ImageDecoder#probe probed} (the caller needed its size first, e.g. for a memory budget): the
   * bytes are neither sniffed nor is the header read again.
   *
   * @throws ImageException as {@link ImageDecoder#decode(byte[], ImageProbe)} and {@link
   *     #preprocess(RgbImage)}
   */
  public PreprocessedImage decodeAndPreprocess(
      ImageDecoder decoder, byte[] encoded, ImageProbe probe) {
    Objects.requireNonNull(probe, "probe");
    if (ResampleEngine.VECTOR) {
      try (NativeJpeg.RowReader jpeg = decoder.openJpegRows(encoded, probe)) {
        if (jpeg != null) {
          return streamRows(jpeg);
        }
      }
    }
    return preprocess(decoder.decode(encoded, probe));
  }

  /**
   * Upper bound of the bytes {@link #decodeAndPreprocess(ImageDecoder, byte[], ImageProbe)} holds
   * for this image at once: the decode's (streamed or whole, as it will run) and, with the portable
   * resampler, its full-size intermediate and stage-1 images.
   */
  public long decodeMemory(ImageProbe probe) {
    if (ResampleEngine.VECTOR) {
      // Both stages stream from the decoded image (or its rows): only the decode counts.
      return probe.streamedBytes();
    }
    long stage1 = Math.min(Math.max(probe.pixels(), stage1MinPixels), stage1MaxPixels) * 2;
    return probe.decodeBytes() + (probe.pixels() + stage1) * 3;
  }

  private PreprocessedImage streamRows(NativeJpeg.RowReader jpeg) {
    SmartResize.Size s1;
    SmartResize.Size s2;
    try {
      s1 = stage1Size(jpeg.height(), jpeg.width());
      s2 = stage2Size(s1.height(), s1.width());
    } catch (ImageException shape) {
      // The reference decodes before it checks the shape: a broken file reports that first.
      jpeg.finish();
      throw shape;
    }
    RgbImage resized =
        VectorResampler.resizeChain(
            jpeg, PillowResampler.Filter.BICUBIC, s1.width(), s1.height(), s2.width(), s2.height());
    jpeg.finish();
    return new PreprocessedImage(resized, patchSize, mergeSize, temporalPatchSize, lut);
  }

  /** Which resampler this JVM runs: the Vector API one or the portable scalar one (same pixels). */
  public static String resampler() {
    return ResampleEngine.describe();
  }

  /** Stage 1 size for an input of {@code height × width}. */
  public SmartResize.Size stage1Size(int height, int width) {
    return SmartResize.qwenVlUtils(
        height, width, stage1Factor, stage1MinPixels, stage1MaxPixels, maxRatio);
  }

  /** Stage 2 size for a stage-1 output of {@code height × width}. */
  public SmartResize.Size stage2Size(int height, int width) {
    return SmartResize.hfProcessor(
        height, width, patchSize * mergeSize, minPixels, maxPixels, maxRatio);
  }

  /** {@code fetch_image}'s resize: {@code image.resize((resized_width, resized_height))}. */
  public RgbImage stage1(RgbImage image) {
    SmartResize.Size s = stage1Size(image.height(), image.width());
    return PillowResampler.resize(image, s.width(), s.height());
  }

  /** The image processor's resize (BICUBIC; a copy when the size does not change). */
  public RgbImage stage2(RgbImage stage1) {
    SmartResize.Size s = stage2Size(stage1.height(), stage1.width());
    return PillowResampler.resize(stage1, s.width(), s.height());
  }

  /**
   * Final {@code (height, width)} for an input size, without touching pixels (e.g. for token
   * budgeting).
   */
  public SmartResize.Size finalSize(int height, int width) {
    SmartResize.Size s1 = stage1Size(height, width);
    return stage2Size(s1.height(), s1.width());
  }

  /** Number of {@code <|image_pad|>} tokens an input of this size produces. */
  public int imageTokens(int height, int width) {
    SmartResize.Size s = finalSize(height, width);
    return (s.height() / patchSize) * (s.width() / patchSize) / (mergeSize * mergeSize);
  }

  public int patchSize() {
    return patchSize;
  }

  public int mergeSize() {
    return mergeSize;
  }

  public int temporalPatchSize() {
    return temporalPatchSize;
  }

  /** Floats per pixel row: 3·temporal·patch². */
  public int rowLength() {
    return 3 * temporalPatchSize * patchSize * patchSize;
  }

  /**
   * float32 value per channel and uint8 sample, computed as numpy does in the HF processor: {@code
   * rescale}: {@code image.astype(float64) * scale} then {@code .astype(float32)}; {@code
   * normalize}: {@code (image - mean) / std} with mean/std as float32 arrays, float32 arithmetic.
   */
  private static float[][] buildLut(double scale, double[] mean, double[] std) {
    float[][] lut = new float[3][256];
    for (int c = 0; c < 3; c++) {
      float m = (float) mean[c];
      float s = (float) std[c];
      for (int v = 0; v < 256; v++) {
        float r = (float) ((double) v * scale);
        lut[c][v] = (r - m) / s;
      }
    }
    return lut;
  }

  @Override
  public String toString() {
    return "AbcPreprocessor[stage1 factor="
        + stage1Factor
        + " pixels="
        + stage1MinPixels
        + ".."
        + stage1MaxPixels
        + ", stage2 pixels="
        + minPixels
        + ".."
        + maxPixels
        + ", patch="
        + patchSize
        + ", merge="
        + mergeSize
        + ", temporal="
        + temporalPatchSize
        + ", maxRatio="
        + maxRatio
        + ", mean="
        + Arrays.toString(mean)
        + ", std="
        + Arrays.toString(std)
        + "]";
  }

  /** Builder; every setter validates its argument. Defaults are the reference's numbers. */
  public static final class Builder {
    private int stage1Factor = SmartResize.FACTOR;
    private long stage1MinPixels = SmartResize.STAGE1_MIN_PIXELS;
    private long stage1MaxPixels = SmartResize.STAGE1_MAX_PIXELS;
    private double maxRatio = SmartResize.MAX_RATIO;
    private long minPixels = SmartResize.STAGE2_MIN_PIXELS;
    private long maxPixels = SmartResize.STAGE2_MAX_PIXELS;
    private int patchSize = 14;
    private int mergeSize = 2;
    private int temporalPatchSize = 2;
    private double rescaleFactor = 1.0 / 255.0;
    private double[] mean = OPENAI_CLIP_MEAN.clone();
    private double[] std = OPENAI_CLIP_STD.clone();

    private Builder() {}

    /** qwen_vl_utils IMAGE_FACTOR (28). */
    public Builder stage1Factor(int factor) {
      this.stage1Factor = positive(factor, "stage1Factor");
      return this;
    }

    /** qwen_vl_utils MIN_PIXELS / MAX_PIXELS (4·28·28, 16384·28·28). */
    public Builder stage1Pixels(long min, long max) {
      checkRange(min, max, "stage1Pixels");
      this.stage1MinPixels = min;
      this.stage1MaxPixels = max;
      return this;
    }

    /**
     * The processor's min_pixels / max_pixels (256·28·28, 1024·28·28 in Qwen2-VL's preprocessor
     * config).
     */
    public Builder pixels(long min, long max) {
      checkRange(min, max, "pixels");
      this.minPixels = min;
      this.maxPixels = max;
      return this;
    }

    /** Largest accepted max(h, w) / min(h, w) (200). */
    public Builder maxAspectRatio(double ratio) {
      if (!(ratio >= 1.0) || Double.isInfinite(ratio)) {
        throw new IllegalArgumentException(
            "maxAspectRatio must be a finite number ≥ 1, got " + ratio);
      }
      this.maxRatio = ratio;
      return this;
    }

    public Builder patchSize(int patchSize) {
      this.patchSize = positive(patchSize, "patchSize");
      return this;
    }

    public Builder mergeSize(int mergeSize) {
      this.mergeSize = positive(mergeSize, "mergeSize");
      return this;
    }

    public Builder temporalPatchSize(int temporalPatchSize) {
      this.temporalPatchSize = positive(temporalPatchSize, "temporalPatchSize");
      return this;
    }

    /** The processor's rescale_factor (1/255). */
    public Builder rescaleFactor(double factor) {
      if (!(factor > 0) || Double.isInfinite(factor)) {
        throw new IllegalArgumentException(
            "rescaleFactor must be positive and finite, got " + factor);
      }
      this.rescaleFactor = factor;
      return this;
    }

    /** image_mean, three values. */
    public Builder mean(double... mean) {
      this.mean = triple(mean, "mean", false);
      return this;
    }

    /** image_std, three positive values. */
    public Builder std(double... std) {
      this.std = triple(std, "std", true);
      return this;
    }

    public AbcPreprocessor build() {
      if ((long) patchSize * mergeSize > 1 << 16) {
        throw new IllegalArgumentException("patchSize * mergeSize too large");
      }
      return new AbcPreprocessor(this);
    }

    private static int positive(int v, String name) {
      if (v <= 0) {
        throw new IllegalArgumentException(name + " must be positive, got " + v);
      }
      return v;
    }

    private static void checkRange(long min, long max, String name) {
      if (min <= 0 || max <= 0 || min > max) {
        throw new IllegalArgumentException(name + ": need 0 < min ≤ max, got " + min + ", " + max);
      }
    }

    private static double[] triple(double[] v, String name, boolean positive) {
      Objects.requireNonNull(v, name);
      if (v.length != 3) {
        throw new IllegalArgumentException(name + " needs 3 values (R, G, B), got " + v.length);
      }
      for (double d : v) {
        if (Double.isNaN(d) || Double.isInfinite(d) || (positive && !(d > 0))) {
          throw new IllegalArgumentException(name + " has an invalid value: " + Arrays.toString(v));
        }
      }
      return v.clone();
    }
  }
}
