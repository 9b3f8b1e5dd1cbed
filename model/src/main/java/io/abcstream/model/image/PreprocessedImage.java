package io.abcstream.model.image;

import java.nio.FloatBuffer;
import java.util.Objects;

/**
 * The result of the two-stage ABC preprocessing for one image, kept as the stage-2 uint8 RGB image
 * (3 bytes per pixel, so ≤ 2.4 MB at the default 1024·28·28 pixels) plus its patch grid. Float
 * pixel rows are produced only on demand, into a caller-provided buffer, when a batch is collated.
 *
 * <p>Row layout is the Qwen2-VL image processor's {@code flatten_patches}: {@link #numPatches()}
 * rows of {@link #rowLength()} = C·T·P·P floats (1176 with the defaults), rows ordered {@code (t,
 * h/merge, w/merge, merge_h, merge_w)}, values within a row ordered {@code (c, t, py, px)}; the
 * value is {@code (float32(p * (1/255)) - mean[c]) / std[c]} in float32, bit-identical to the numpy
 * path.
 *
 * <p>Immutable and thread-safe.
 */
public final class PreprocessedImage {
  private final RgbImage image;
  private final int gridT;
  private final int gridH;
  private final int gridW;
  private final int patchSize;
  private final int mergeSize;
  private final int temporalPatchSize;
  private final float[][] lut;

  PreprocessedImage(
      RgbImage image, int patchSize, int mergeSize, int temporalPatchSize, float[][] lut) {
    this.image = Objects.requireNonNull(image, "image");
    this.patchSize = patchSize;
    this.mergeSize = mergeSize;
    this.temporalPatchSize = temporalPatchSize;
    this.lut = lut;
    int unit = patchSize * mergeSize;
    if (image.width() % unit != 0 || image.height() % unit != 0) {
      throw new IllegalArgumentException(
          "stage-2 size "
              + image.width()
              + "x"
              + image.height()
              + " is not a multiple of patch*merge = "
              + unit);
    }
    this.gridT = 1;
    this.gridH = image.height() / patchSize;
    this.gridW = image.width() / patchSize;
  }

  /** The stage-2 resized uint8 image (height = gridH·patch, width = gridW·patch). */
  public RgbImage image() {
    return image;
  }

  public int height() {
    return image.height();
  }

  public int width() {
    return image.width();
  }

  /**
   * grid_thw[0]; always 1 for a still image (the frame is duplicated temporal_patch_size times).
   */
  public int gridT() {
    return gridT;
  }

  /** grid_thw[1] = height / patch_size. */
  public int gridH() {
    return gridH;
  }

  /** grid_thw[2] = width / patch_size. */
  public int gridW() {
    return gridW;
  }

  /** {@code (gridT, gridH, gridW)}, as the processor's {@code image_grid_thw} row. */
  public long[] gridThw() {
    return new long[] {gridT, gridH, gridW};
  }

  /** Number of pixel rows = gridT·gridH·gridW. */
  public int numPatches() {
    return gridT * gridH * gridW;
  }

  /** Floats per row = 3·temporal·patch·patch (1176 by default). */
  public int rowLength() {
    return 3 * temporalPatchSize * patchSize * patchSize;
  }

  /** Total floats written by {@link #writePixelRows(float[], int)}. */
  public int floatCount() {
    return Math.multiplyExact(numPatches(), rowLength());
  }

  /** The number of {@code <|image_pad|>} tokens after the 2×2 merge: gridT·gridH·gridW / merge². */
  public int numImageTokens() {
    return numPatches() / (mergeSize * mergeSize);
  }

  /**
   * A new float[] with all pixel rows (convenience; batching code should use the buffer variants).
   */
  public float[] pixelRows() {
    float[] out = new float[floatCount()];
    writePixelRows(out, 0);
    return out;
  }

  /**
   * Writes all rows into {@code dst} starting at {@code offset}; needs {@link #floatCount()}
   * floats.
   */
  public void writePixelRows(float[] dst, int offset) {
    Objects.checkFromIndexSize(offset, floatCount(), dst.length);
    final int[] px = image.packed();
    final int w = image.width();
    final int p = patchSize;
    final int m = mergeSize;
    final int t = temporalPatchSize;
    final int plane = p * p;
    final int rowLen = rowLength();
    final int blocksH = gridH / m;
    final int blocksW = gridW / m;
    int row = offset;
    for (int bh = 0; bh < blocksH; bh++) {
      for (int bw = 0; bw < blocksW; bw++) {
        for (int mh = 0; mh < m; mh++) {
          final int y0 = (bh * m + mh) * p;
          for (int mw = 0; mw < m; mw++) {
            final int x0 = (bw * m + mw) * p;
            for (int c = 0; c < 3; c++) {
              final float[] l = lut[c];
              final int shift = 16 - 8 * c;
              final int base = row + c * t * plane;
              for (int py = 0; py < p; py++) {
                final int s = (y0 + py) * w + x0;
                final int d = base + py * p;
                for (int pxi = 0; pxi < p; pxi++) {
                  dst[d + pxi] = l[(px[s + pxi] >> shift) & 0xFF];
                }
              }
              for (int tt = 1; tt < t; tt++) {
                System.arraycopy(dst, base, dst, base + tt * plane, plane);
              }
            }
            row += rowLen;
          }
        }
      }
    }
  }

  /**
   * Writes all rows at the buffer's position and advances it by {@link #floatCount()}. Array-backed
   * buffers are written in place; other (direct) buffers are filled from a temporary heap array.
   */
  public void writePixelRows(FloatBuffer dst) {
    int n = floatCount();
    if (dst.remaining() < n) {
      throw new IllegalArgumentException(
          "buffer has " + dst.remaining() + " floats left, need " + n);
    }
    if (dst.hasArray() && !dst.isReadOnly()) {
      int pos = dst.position();
      writePixelRows(dst.array(), dst.arrayOffset() + pos);
      dst.position(pos + n);
      return;
    }
    dst.put(pixelRows());
  }

  @Override
  public String toString() {
    return "PreprocessedImage["
        + image.width()
        + "x"
        + image.height()
        + ", grid_thw=("
        + gridT
        + ", "
        + gridH
        + ", "
        + gridW
        + ")]";
  }
}
