package io.abcstream.model.runtime;

import io.abcstream.model.image.PreprocessedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Turns prepared inputs into one {@link CollatedBatch}: rows right-padded to the batch's longest
 * sequence (pad id from the manifest, mask 0), images deduplicated by identity so an image serves
 * all of its rows with one vision pass, pixel rows written once per distinct image straight into a
 * direct buffer. Rows keep the caller's order (bucketing by length is the batching service's job).
 * Stateless and thread-safe.
 */
public final class BatchCollator {
  private final long padId;
  private final int rowLength;

  public BatchCollator(long padId, int rowLength) {
    if (rowLength < 1) {
      throw new IllegalArgumentException("rowLength must be positive");
    }
    this.padId = padId;
    this.rowLength = rowLength;
  }

  public long padId() {
    return padId;
  }

  public int rowLength() {
    return rowLength;
  }

  /** Collates into a freshly allocated direct buffer. */
  public CollatedBatch collate(List<PreparedInput> items) {
    return collate(items, n -> ByteBuffer.allocateDirect(n).order(ByteOrder.nativeOrder()));
  }

  /**
   * Collates; {@code pixelBuffer} is asked for a direct buffer with at least the given number of
   * bytes (it may return a reused one; its contents are overwritten from position 0).
   */
  public CollatedBatch collate(List<PreparedInput> items, IntFunction<ByteBuffer> pixelBuffer) {
    return collate(items, pixelBuffer, float[]::new);
  }

  /**
   * As {@link #collate(List, IntFunction)}; {@code scratch} is asked for a float array of at least
   * the given length, used to stage one image's rows (it may return a reused array).
   */
  public CollatedBatch collate(
      List<PreparedInput> items,
      IntFunction<ByteBuffer> pixelBuffer,
      IntFunction<float[]> scratch) {
    if (items.isEmpty()) {
      throw new IllegalArgumentException("empty batch");
    }
    int b = items.size();
    int seqLen = 0;
    long real = 0;
    for (PreparedInput it : items) {
      seqLen = Math.max(seqLen, it.length());
      real += it.length();
    }
    long[] ids = new long[Math.multiplyExact(b, seqLen)];
    long[] mask = new long[ids.length];
    Arrays.fill(ids, padId);
    long[] rowImage = new long[b];
    float[] instruct = new float[b];
    Map<PreprocessedImage, Integer> index = new IdentityHashMap<>();
    List<PreprocessedImage> images = new ArrayList<>();
    long rows = 0;
    for (int i = 0; i < b; i++) {
      PreparedInput it = items.get(i);
      long[] row = it.prompt().inputIds();
      System.arraycopy(row, 0, ids, i * seqLen, row.length);
      Arrays.fill(mask, i * seqLen, i * seqLen + row.length, 1L);
      instruct[i] = it.prompt().instruct() ? 1.0f : 0.0f;
      PreprocessedImage img = it.image();
      if (img == null) {
        rowImage[i] = -1;
        continue;
      }
      Integer k = index.get(img);
      if (k == null) {
        if (img.rowLength() != rowLength) {
          throw new IllegalArgumentException(
              "image rows have " + img.rowLength() + " floats, the model takes " + rowLength);
        }
        k = images.size();
        index.put(img, k);
        images.add(img);
        rows += img.numPatches();
      }
      rowImage[i] = k;
    }
    long[] grid = new long[images.size() * 3];
    for (int k = 0; k < images.size(); k++) {
      long[] g = images.get(k).gridThw();
      System.arraycopy(g, 0, grid, k * 3, 3);
    }
    long bytes = rows * rowLength * Float.BYTES;
    if (bytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "batch pixel rows need " + bytes + " bytes (> 2 GiB): split the batch");
    }
    ByteBuffer buf = pixelBuffer.apply((int) bytes);
    if (!buf.isDirect() || buf.capacity() < bytes) {
      throw new IllegalStateException("pixel buffer must be direct with >= " + bytes + " bytes");
    }
    buf.clear().order(ByteOrder.nativeOrder());
    buf.limit((int) bytes);
    FloatBuffer fb = buf.asFloatBuffer();
    int maxFloats = 0;
    for (PreprocessedImage img : images) {
      maxFloats = Math.max(maxFloats, img.floatCount());
    }
    float[] stage = images.isEmpty() ? null : scratch.apply(maxFloats);
    for (PreprocessedImage img : images) {
      int n = img.floatCount();
      img.writePixelRows(stage, 0);
      fb.put(stage, 0, n);
    }
    ByteBuffer view = buf.slice(0, (int) bytes).order(ByteOrder.nativeOrder());
    return new CollatedBatch(
        b,
        seqLen,
        ids,
        mask,
        List.copyOf(images),
        grid,
        rowImage,
        instruct,
        (int) rows,
        rowLength,
        view,
        real);
  }
}
