package io.abcstream.model.image;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Pillow-exact resampling on Vector API int lanes, streaming rows through chained resizes. */
final class VectorResampler {
  // Chosen by ResampleEngine when the JVM runs with --add-modules jdk.incubator.vector. Same
  // integer arithmetic as
  // PillowResampler (Pillow's Resample.c): a horizontal pass clipped to 8 bits, then a vertical
  // pass; the sums are
  // exact int sums, so zero-weight padding taps and another summation order still give Pillow's
  // numbers.
  // Rows travel as three int planes (R, G, B) and lanes run over output columns. No gathers: on
  // this x86 they
  // measured 10-30x slower than contiguous loads. Instead:
  //   - horizontal blocks whose taps start at consecutive inputs (scale ~1, the usual stage 1) load
  // each tap
  //     contiguously;
  //   - other blocks (downscales, upscales) broadcast each input column of the block's window and
  // multiply it by
  //     that column's weights for the block's outputs (zero outside an output's support);
  //   - the vertical pass multiplies whole rows of a ring of ksize intermediate rows.
  // Nothing in a chain holds an image: two resizes of a 12-megapixel photo keep a few hundred
  // kilobytes of rows.

  private static final VectorSpecies<Integer> SPECIES = IntVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();
  private static final int BITS = PillowResampler.PRECISION_BITS;
  private static final int HALF = 1 << (BITS - 1);

  private VectorResampler() {}

  /**
   * Resizes {@code in} through the given sizes in order ({@code sizes[2i]} width, {@code sizes[2i +
   * 1]} height), each step exactly {@code image.resize((w, h))}; a step that keeps the size is
   * skipped (Pillow returns a copy).
   */
  static RgbImage resizeChain(RgbImage in, PillowResampler.Filter filter, int... sizes) {
    Rows rows = chain(new ImageRows(in), filter, sizes);
    if (rows instanceof ImageRows) {
      return in.copy();
    }
    return materialize(rows);
  }

  /**
   * {@link #resizeChain(RgbImage, PillowResampler.Filter, int...)} straight from a JPEG decoder:
   * rows are decoded as the first resize needs them, so the decoded image never exists as a whole.
   * The caller finishes and closes the reader.
   */
  static RgbImage resizeChain(
      NativeJpeg.RowReader jpeg, PillowResampler.Filter filter, int... sizes) {
    return materialize(chain(new JpegRows(jpeg), filter, sizes));
  }

  private static Rows chain(Rows source, PillowResampler.Filter filter, int... sizes) {
    Rows rows = source;
    for (int i = 0; i < sizes.length; i += 2) {
      if (sizes[i] != rows.width || sizes[i + 1] != rows.height) {
        rows = new Stage(rows, sizes[i], sizes[i + 1], filter);
      }
    }
    return rows;
  }

  static RgbImage resize(RgbImage in, int width, int height, PillowResampler.Filter filter) {
    return resizeChain(in, filter, width, height);
  }

  private static RgbImage materialize(Rows rows) {
    final int w = rows.width;
    final int h = rows.height;
    final int[] out = new int[Math.multiplyExact(w, h)];
    final int body = w / LANES * LANES;
    for (int y = 0; y < h; y++) {
      rows.load(y);
      final int[] r = rows.r;
      final int[] g = rows.g;
      final int[] b = rows.b;
      final int o = y * w;
      int x = 0;
      for (; x < body; x += LANES) {
        pack(r, g, b, x).intoArray(out, o + x);
      }
      for (; x < w; x++) {
        out[o + x] = r[x] << 16 | g[x] << 8 | b[x];
      }
    }
    return RgbImage.ofPacked(w, h, out);
  }

  private static IntVector pack(int[] r, int[] g, int[] b, int x) {
    return IntVector.fromArray(SPECIES, r, x)
        .lanewise(VectorOperators.LSHL, 16)
        .or(IntVector.fromArray(SPECIES, g, x).lanewise(VectorOperators.LSHL, 8))
        .or(IntVector.fromArray(SPECIES, b, x));
  }

  private static IntVector clip(IntVector acc) {
    return acc.lanewise(VectorOperators.ASHR, BITS).max(0).min(255);
  }

  private static int roundUp(int n) {
    return Math.addExact(n, LANES - 1) / LANES * LANES;
  }

  /**
   * A stream of rows as three planes of 8-bit values in ints, columns {@code [0, width)} valid,
   * arrays at least {@code roundUp(width)} long. Rows are loaded in non-decreasing order; the
   * planes stay valid until the next load.
   */
  abstract static class Rows {
    final int width;
    final int height;
    int[] r;
    int[] g;
    int[] b;

    Rows(int width, int height) {
      this.width = width;
      this.height = height;
    }

    /**
     * Planes of their own, for sources that fill them (a resize exposes its ring or output rows).
     */
    final void allocatePlanes() {
      int padded = roundUp(width);
      r = new int[padded];
      g = new int[padded];
      b = new int[padded];
    }

    abstract void load(int y);
  }

  /**
   * Rows of a whole image, split into planes one row at a time from whichever layout the image has.
   */
  static final class ImageRows extends Rows {
    private final int[] packed;
    private final byte[] interleaved;

    ImageRows(RgbImage image) {
      super(image.width(), image.height());
      // The JPEG decoder gives packed ints, the others interleaved bytes; read either as it is
      // rather than
      // converting the whole image.
      this.packed = image.packedIfPresent();
      this.interleaved = packed == null ? image.rgb() : null;
      allocatePlanes();
    }

    @Override
    void load(int y) {
      if (packed == null) {
        final byte[] src = interleaved;
        for (int x = 0, i = y * width * 3; x < width; x++, i += 3) {
          r[x] = src[i] & 0xFF;
          g[x] = src[i + 1] & 0xFF;
          b[x] = src[i + 2] & 0xFF;
        }
        return;
      }
      unpack(packed, y * width, width, r, g, b);
    }
  }

  /**
   * Rows decoded by libjpeg-turbo a batch at a time into a small buffer, then split into planes.
   */
  static final class JpegRows extends Rows {
    private final NativeJpeg.RowReader jpeg;
    private final int[] buffer;
    private final int batch;
    private int first;
    private int count;

    JpegRows(NativeJpeg.RowReader jpeg) {
      super(jpeg.width(), jpeg.height());
      this.jpeg = jpeg;
      // About 256 KiB of pixels per batch: few native calls, still cache-resident.
      this.batch =
          Math.max(1, Math.min(NativeJpeg.RowReader.MAX_ROWS_PER_READ, (64 * 1024) / width));
      this.buffer = new int[Math.multiplyExact(batch, width)];
      allocatePlanes();
    }

    @Override
    void load(int y) {
      if (y < first) {
        throw new IllegalStateException("rows must be read in order: " + y + " after " + first);
      }
      while (y >= first + count) {
        first += count;
        if (first != jpeg.rowsRead()) {
          throw new IllegalStateException(
              "decoder at row " + jpeg.rowsRead() + ", expected " + first);
        }
        count = jpeg.read(buffer, 0, batch);
      }
      unpack(buffer, (y - first) * width, width, r, g, b);
    }
  }

  /** Packed pixels {@code src[off, off + width)} into the planes. */
  private static void unpack(int[] src, int off, int width, int[] r, int[] g, int[] b) {
    // Whole vectors only where they stay inside the array (the last row's tail goes scalar).
    final int body = Math.min(width, src.length - off) / LANES * LANES;
    int x = 0;
    for (; x < body; x += LANES) {
      IntVector p = IntVector.fromArray(SPECIES, src, off + x);
      p.lanewise(VectorOperators.LSHR, 16).and(0xFF).intoArray(r, x);
      p.lanewise(VectorOperators.LSHR, 8).and(0xFF).intoArray(g, x);
      p.and(0xFF).intoArray(b, x);
    }
    for (; x < width; x++) {
      int p = src[off + x];
      r[x] = (p >> 16) & 0xFF;
      g[x] = (p >> 8) & 0xFF;
      b[x] = p & 0xFF;
    }
  }

  /** Horizontal filter of one resize, laid out per block of {@code LANES} output columns. */
  static final class Horizontal {
    final int blocks;
    final int taps;
    final int padded;

    /** Contiguous blocks: first input column; -1 for a window block. */
    final int[] start;

    /** Contiguous blocks: per tap, per output column, weight ({@code taps × padded}). */
    final int[] tapWeights;

    /**
     * Window blocks: first input column, column count, offset of the {@code count × LANES} weights.
     */
    final int[] windowFirst;

    final int[] windowCount;
    final int[] windowOffset;
    final int[] windowWeights;

    Horizontal(int inW, int outW, PillowResampler.Filter filter) {
      PillowResampler.Coefficients c = PillowResampler.Coefficients.compute(inW, outW, filter);
      this.taps = c.ksize;
      this.padded = roundUp(outW);
      this.blocks = padded / LANES;
      this.start = new int[blocks];
      this.tapWeights = new int[Math.multiplyExact(taps, padded)];
      this.windowFirst = new int[blocks];
      this.windowCount = new int[blocks];
      this.windowOffset = new int[blocks];
      int windowTotal = 0;
      for (int bl = 0; bl < blocks; bl++) {
        int x0 = bl * LANES;
        int first = c.bounds[2 * x0];
        boolean contiguous = x0 + LANES <= outW && first + LANES - 1 + taps <= inW;
        int end = first;
        for (int i = 0; i < LANES && x0 + i < outW; i++) {
          int xmin = c.bounds[2 * (x0 + i)];
          end = Math.max(end, xmin + c.bounds[2 * (x0 + i) + 1]);
          contiguous &= xmin == first + i;
        }
        if (contiguous) {
          start[bl] = first;
          for (int i = 0; i < LANES; i++) {
            int x = x0 + i;
            int n = c.bounds[2 * x + 1];
            for (int j = 0; j < n; j++) {
              tapWeights[j * padded + x] = c.k[x * taps + j];
            }
          }
        } else {
          start[bl] = -1;
          windowFirst[bl] = first;
          windowCount[bl] = end - first;
          windowOffset[bl] = windowTotal;
          windowTotal = Math.addExact(windowTotal, Math.multiplyExact(end - first, LANES));
        }
      }
      this.windowWeights = new int[windowTotal];
      for (int bl = 0; bl < blocks; bl++) {
        if (start[bl] >= 0) {
          continue;
        }
        int x0 = bl * LANES;
        for (int i = 0; i < LANES && x0 + i < outW; i++) {
          int x = x0 + i;
          int xmin = c.bounds[2 * x];
          int n = c.bounds[2 * x + 1];
          for (int j = 0; j < n; j++) {
            int u = xmin + j - windowFirst[bl];
            windowWeights[windowOffset[bl] + u * LANES + i] = c.k[x * taps + j];
          }
        }
      }
    }

    /** One row: planes {@code (r, g, b)} in, clipped planes {@code (dr, dg, db)} out. */
    void apply(int[] r, int[] g, int[] b, int[] dr, int[] dg, int[] db) {
      final int[] tw = tapWeights;
      final int[] ww = windowWeights;
      final int stride = padded;
      for (int bl = 0; bl < blocks; bl++) {
        final int x = bl * LANES;
        IntVector accR = IntVector.broadcast(SPECIES, HALF);
        IntVector accG = accR;
        IntVector accB = accR;
        final int s = start[bl];
        if (s >= 0) {
          for (int j = 0, t = x; j < taps; j++, t += stride) {
            IntVector k = IntVector.fromArray(SPECIES, tw, t);
            accR = accR.add(IntVector.fromArray(SPECIES, r, s + j).mul(k));
            accG = accG.add(IntVector.fromArray(SPECIES, g, s + j).mul(k));
            accB = accB.add(IntVector.fromArray(SPECIES, b, s + j).mul(k));
          }
        } else {
          final int first = windowFirst[bl];
          final int count = windowCount[bl];
          int t = windowOffset[bl];
          for (int u = 0; u < count; u++, t += LANES) {
            IntVector k = IntVector.fromArray(SPECIES, ww, t);
            accR = accR.add(k.mul(r[first + u]));
            accG = accG.add(k.mul(g[first + u]));
            accB = accB.add(k.mul(b[first + u]));
          }
        }
        clip(accR).intoArray(dr, x);
        clip(accG).intoArray(dg, x);
        clip(accB).intoArray(db, x);
      }
    }
  }

  /**
   * One {@code resize}: the horizontal pass into a ring of plane rows, the vertical pass out of it.
   */
  static final class Stage extends Rows {
    private final Rows in;
    private final Horizontal horizontal;
    private final PillowResampler.Coefficients vertical;
    private final int padded;
    private final int[][] ringR;
    private final int[][] ringG;
    private final int[][] ringB;
    private final int[][] tapR;
    private final int[][] tapG;
    private final int[][] tapB;
    private int next;

    Stage(Rows in, int width, int height, PillowResampler.Filter filter) {
      super(width, height);
      this.in = in;
      this.horizontal = width != in.width ? new Horizontal(in.width, width, filter) : null;
      this.vertical =
          height != in.height
              ? PillowResampler.Coefficients.compute(in.height, height, filter)
              : null;
      this.padded = roundUp(width); // == roundUp(in.width) when the width does not change
      int slots = vertical != null ? vertical.ksize : 1;
      this.ringR = new int[slots][padded];
      this.ringG = new int[slots][padded];
      this.ringB = new int[slots][padded];
      this.tapR = new int[slots][];
      this.tapG = new int[slots][];
      this.tapB = new int[slots][];
      if (vertical != null) {
        allocatePlanes();
      }
    }

    @Override
    void load(int yy) {
      if (vertical == null) {
        produce(yy, 0);
        r = ringR[0];
        g = ringG[0];
        b = ringB[0];
        return;
      }
      final int ymin = vertical.bounds[2 * yy];
      final int n = vertical.bounds[2 * yy + 1];
      final int slots = ringR.length;
      if (next < ymin) {
        next = ymin;
      }
      for (; next < ymin + n; next++) {
        produce(next, next % slots);
      }
      for (int i = 0; i < n; i++) {
        int s = (ymin + i) % slots;
        tapR[i] = ringR[s];
        tapG[i] = ringG[s];
        tapB[i] = ringB[s];
      }
      verticalPass(yy * vertical.ksize, n);
    }

    /** Input row {@code y} through the horizontal pass (or copied) into ring slot {@code slot}. */
    private void produce(int y, int slot) {
      in.load(y);
      if (horizontal != null) {
        horizontal.apply(in.r, in.g, in.b, ringR[slot], ringG[slot], ringB[slot]);
      } else {
        System.arraycopy(in.r, 0, ringR[slot], 0, in.width);
        System.arraycopy(in.g, 0, ringG[slot], 0, in.width);
        System.arraycopy(in.b, 0, ringB[slot], 0, in.width);
      }
    }

    private void verticalPass(int kOff, int n) {
      final int[] k = vertical.k;
      final int[][] tr = tapR;
      final int[][] tg = tapG;
      final int[][] tb = tapB;
      final int[] dr = r;
      final int[] dg = g;
      final int[] db = b;
      for (int x = 0; x < padded; x += LANES) {
        IntVector accR = IntVector.broadcast(SPECIES, HALF);
        IntVector accG = accR;
        IntVector accB = accR;
        for (int i = 0; i < n; i++) {
          final int w = k[kOff + i];
          accR = accR.add(IntVector.fromArray(SPECIES, tr[i], x).mul(w));
          accG = accG.add(IntVector.fromArray(SPECIES, tg[i], x).mul(w));
          accB = accB.add(IntVector.fromArray(SPECIES, tb[i], x).mul(w));
        }
        clip(accR).intoArray(dr, x);
        clip(accG).intoArray(dg, x);
        clip(accB).intoArray(db, x);
      }
    }
  }
}
