package io.abcstream.model.runtime;

import io.abcstream.model.image.PreprocessedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * Model inputs for one batch, in the caller's row order (the bundle's module signatures, see
 * docs/ARCHITECTURE.md): right-padded {@code input_ids} and {@code attention_mask} [B, L], pixel
 * rows [N, rowLength] of the batch's distinct images (in {@code images} order) in one native-order
 * direct buffer, {@code grid_thw} [I, 3], {@code row_image} [B] (-1 for text-only) and {@code
 * instruct} [B]. Arrays are row-major. Not thread-safe; the pixel buffer may be a reused staging
 * buffer owned by the model, valid until its next batch.
 */
public final class CollatedBatch {
  private final int batchSize;
  private final int seqLen;
  private final long[] inputIds;
  private final long[] attentionMask;
  private final List<PreprocessedImage> images;
  private final long[] gridThw;
  private final long[] rowImage;
  private final float[] instruct;
  private final int pixelRows;
  private final int rowLength;
  private final ByteBuffer pixelBytes;
  private final long realTokens;

  CollatedBatch(
      int batchSize,
      int seqLen,
      long[] inputIds,
      long[] attentionMask,
      List<PreprocessedImage> images,
      long[] gridThw,
      long[] rowImage,
      float[] instruct,
      int pixelRows,
      int rowLength,
      ByteBuffer pixelBytes,
      long realTokens) {
    this.batchSize = batchSize;
    this.seqLen = seqLen;
    this.inputIds = inputIds;
    this.attentionMask = attentionMask;
    this.images = images;
    this.gridThw = gridThw;
    this.rowImage = rowImage;
    this.instruct = instruct;
    this.pixelRows = pixelRows;
    this.rowLength = rowLength;
    this.pixelBytes = pixelBytes;
    this.realTokens = realTokens;
  }

  public int batchSize() {
    return batchSize;
  }

  /** Padded sequence length L (the longest row). */
  public int seqLen() {
    return seqLen;
  }

  /** [B*L] row-major, padded with the manifest's pad id. */
  public long[] inputIds() {
    return inputIds;
  }

  /** [B*L] row-major, 1 for real tokens, 0 for padding. */
  public long[] attentionMask() {
    return attentionMask;
  }

  /** The distinct images, in grid_thw / pixel row order. */
  public List<PreprocessedImage> images() {
    return images;
  }

  public int imageCount() {
    return images.size();
  }

  /** [I*3] row-major. */
  public long[] gridThw() {
    return gridThw;
  }

  /** [B]: index into {@link #images()} per row, -1 for text-only rows. */
  public long[] rowImage() {
    return rowImage;
  }

  /** [B]: 1.0 where the instruct adapter is on (image+instruction), else 0.0. */
  public float[] instruct() {
    return instruct;
  }

  /** N, the number of pixel rows (sum of t*h*w over the distinct images). */
  public int pixelRows() {
    return pixelRows;
  }

  public int rowLength() {
    return rowLength;
  }

  /** Pixel rows as native-order bytes, position 0, limit N*rowLength*4. */
  public ByteBuffer pixelBytes() {
    return pixelBytes.duplicate().order(ByteOrder.nativeOrder());
  }

  /** Pixel rows as floats, position 0. */
  public FloatBuffer pixels() {
    return pixelBytes().asFloatBuffer();
  }

  /** Number of real (unpadded) tokens in the batch. */
  public long realTokens() {
    return realTokens;
  }

  /** B*L, the tokens the language model processes. */
  public long paddedTokens() {
    return (long) batchSize * seqLen;
  }

  /** Fraction of padded positions: 1 - real/(B*L) (a batching metric). */
  public double paddingRatio() {
    return paddedTokens() == 0 ? 0 : 1.0 - (double) realTokens / paddedTokens();
  }

  /** Token ids of row {@code b} without padding. */
  public long[] rowIds(int b) {
    int n = 0;
    for (int j = 0; j < seqLen; j++) {
      n += (int) attentionMask[b * seqLen + j];
    }
    long[] out = new long[n];
    System.arraycopy(inputIds, b * seqLen, out, 0, n);
    return out;
  }
}
