package io.abcstream.model.image;

/** What a decode will allocate, in bytes, computed from what the image's header declares. */
final class DecodeMemory {
  // The pixel limit alone does not bound memory: a 16-bit RGBA PNG holds 8 bytes per pixel before
  // conversion, a TIFF may declare thousands of samples per pixel, a GIF's logical screen may be
  // far larger than its one frame, and a progressive JPEG keeps every DCT coefficient (2 bytes
  // per sample) in libjpeg's native buffers until the last scan. Each estimate below is an upper
  // bound of the decoder's peak (heap + native), so that a byte limit and a byte budget can be
  // checked before any pixel is decoded.

  /** Pillow 9.4's TiffImagePlugin.MAX_SAMPLESPERPIXEL (the longest sample tuple it can unpack). */
  static final int PILLOW_MAX_TIFF_SAMPLES = 6;

  /** The RGB output of every whole decode. */
  private static final int RGB = 3;

  /** Row buffers and libjpeg's per-row state of a streamed JPEG: rows × width × 4, and slack. */
  private static final long STREAM_ROWS = 64 * 4 + 64;

  private static final long SLACK = 1 << 20;

  private DecodeMemory() {}

  /**
   * @param whole peak bytes of {@link ImageDecoder#decode(byte[], ImageProbe)}
   * @param streamed peak bytes of a row-streamed decode ({@link
   *     AbcPreprocessor#decodeAndPreprocess(ImageDecoder, byte[], ImageProbe)} with the native
   *     decoder and the vectorised resampler); {@code whole} when this image cannot stream
   * @param invalid why Pillow would refuse the header, or {@code null}
   */
  record Estimate(long whole, long streamed, String invalid) {}

  /** The estimate for an image of {@code width × height} (as the reader reports it). */
  static Estimate of(ImageFormat format, byte[] d, int width, int height, boolean streamingJpeg) {
    long pixels = (long) width * height;
    switch (format) {
      case PNG:
        return png(d, width, height);
      case GIF:
        return gif(d, pixels);
      case TIFF:
        return tiff(d, pixels);
      case JPEG:
        return jpeg(d, width, pixels, streamingJpeg);
      case BMP:
        {
          // BITMAPINFOHEADER biBitCount at 28; the reader's raster holds up to 4 bytes per pixel.
          int bits = d.length > 29 ? u16le(d, 28) : 32;
          long raster = Math.max(1, Math.min(4, (bits + 7) / 8));
          return whole(pixels * (raster + RGB));
        }
      case WEBP:
      default:
        // The WebP reader decodes into ARGB ints and copies into its image: 8 bytes per pixel.
        return whole(pixels * (8 + RGB));
    }
  }

  private static Estimate whole(long bytes) {
    return new Estimate(bytes + SLACK, bytes + SLACK, null);
  }

  /** IHDR: bit depth and colour type give the raster the JDK reader allocates. */
  private static Estimate png(byte[] d, int width, int height) {
    if (d.length < 26) {
      return whole((long) width * height * (8 + RGB));
    }
    int bitDepth = d[24] & 0xFF;
    int samples =
        switch (d[25] & 0xFF) {
          case 2 -> 3; // RGB
          case 4 -> 2; // grey + alpha
          case 6 -> 4; // RGBA
          default -> 1; // grey, palette
        };
    long rowBytes = ((long) width * samples * Math.max(1, Math.min(16, bitDepth)) + 7) / 8;
    // Adam7 and the filter pass keep about two rows besides the raster.
    return whole(rowBytes * (height + 2) + (long) width * height * RGB);
  }

  /** The frame (1 byte per index, then RGB) and the logical screen Pillow decodes to (RGB). */
  private static Estimate gif(byte[] d, long framePixels) {
    long screen = d.length >= 10 ? (long) u16le(d, 6) * u16le(d, 8) : 0;
    long canvas = screen > 0 ? screen * RGB : 0;
    return whole(framePixels * (1 + RGB) + canvas);
  }

  /** IFD 0's SamplesPerPixel and BitsPerSample: the raster holds samples × bytes per sample. */
  private static Estimate tiff(byte[] d, long pixels) {
    Tiff t = Tiff.parse(d);
    long bytesPerSample = Math.max(1, (Math.max(1, t.bits) + 7) / 8);
    long raster = pixels * t.samples * bytesPerSample;
    Estimate e = whole(raster + pixels * RGB);
    if (t.samples > PILLOW_MAX_TIFF_SAMPLES) {
      return new Estimate(
          e.whole(),
          e.streamed(),
          "TIFF declares "
              + t.samples
              + " samples per pixel; Pillow reads at most "
              + PILLOW_MAX_TIFF_SAMPLES
              + " (\"Invalid value for samples per pixel\")");
    }
    return e;
  }

  /**
   * The components' DCT coefficient buffers, which libjpeg (native or the JDK's) allocates whole
   * for a progressive or multi-scan JPEG (2 bytes per coefficient, in blocks rounded up to the
   * MCU), plus the pixels of a whole decode (packed ints, or the raster, then RGB).
   */
  private static Estimate jpeg(byte[] d, int width, long pixels, boolean streaming) {
    Sof sof = Sof.find(d);
    long coefficients = 0;
    int components = 3;
    boolean streamable = false;
    if (sof != null) {
      components = sof.components;
      boolean multiScan = sof.progressive || countScans(d) > 1;
      if (multiScan) {
        coefficients = sof.coefficientBytes();
      }
      streamable =
          streaming
              && sof.precision == 8
              && (components == 1 || components == 3)
              && sof.huffmanOrArithmetic;
    }
    long whole = coefficients + pixels * (Math.max(4, components) + RGB) + SLACK;
    long streamed =
        streamable ? Math.min(whole, coefficients + (long) width * STREAM_ROWS + SLACK) : whole;
    return new Estimate(whole, streamed, null);
  }

  /** SOS markers (entropy-coded data never contains FF DA, so this over- never under-counts). */
  private static int countScans(byte[] d) {
    int scans = 0;
    for (int i = 2; i + 1 < d.length; i++) {
      if (d[i] == (byte) 0xFF && d[i + 1] == (byte) 0xDA) {
        scans++;
        if (scans > 1) {
          return scans;
        }
      }
    }
    return scans;
  }

  /** A JPEG frame header. */
  private static final class Sof {
    int precision;
    int height;
    int width;
    int components;
    int[] h;
    int[] v;
    boolean progressive;
    boolean huffmanOrArithmetic;

    /** The first SOFn, walking the marker segments from SOI; {@code null} when there is none. */
    static Sof find(byte[] d) {
      int p = 2;
      while (p + 3 < d.length) {
        if ((d[p] & 0xFF) != 0xFF) {
          return null;
        }
        int marker = d[p + 1] & 0xFF;
        if (marker == 0xFF) {
          p++; // fill byte
          continue;
        }
        if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
          p += 2;
          continue;
        }
        int len = u16be(d, p + 2);
        if (len < 2) {
          return null;
        }
        boolean sofMarker =
            marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (sofMarker) {
          int q = p + 4;
          if (q + 6 > d.length) {
            return null;
          }
          Sof s = new Sof();
          s.precision = d[q] & 0xFF;
          s.height = u16be(d, q + 1);
          s.width = u16be(d, q + 3);
          s.components = d[q + 5] & 0xFF;
          if (s.components == 0 || q + 6 + 3 * s.components > d.length) {
            return null;
          }
          s.h = new int[s.components];
          s.v = new int[s.components];
          for (int c = 0; c < s.components; c++) {
            int hv = d[q + 7 + 3 * c] & 0xFF;
            s.h[c] = Math.max(1, hv >>> 4);
            s.v[c] = Math.max(1, hv & 0xF);
          }
          s.progressive = marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE;
          // SOF0/1/2 (Huffman) and SOF9/10 (arithmetic) are what libjpeg decodes; lossless and
          // hierarchical frames go to the fallback.
          s.huffmanOrArithmetic =
              marker == 0xC0
                  || marker == 0xC1
                  || marker == 0xC2
                  || marker == 0xC9
                  || marker == 0xCA;
          return s;
        }
        if (marker == 0xDA || marker == 0xD9) {
          return null;
        }
        p += 2 + len;
      }
      return null;
    }

    /** libjpeg's full coefficient buffer: per component, blocks rounded up to its MCU, 128 B. */
    long coefficientBytes() {
      int hMax = 1;
      int vMax = 1;
      for (int c = 0; c < components; c++) {
        hMax = Math.max(hMax, h[c]);
        vMax = Math.max(vMax, v[c]);
      }
      long total = 0;
      for (int c = 0; c < components; c++) {
        long bw = ceilDiv((long) width * h[c], 8L * hMax);
        long bh = ceilDiv((long) height * v[c], 8L * vMax);
        total += roundUp(bw, h[c]) * roundUp(bh, v[c]) * 128;
      }
      return total;
    }
  }

  /** The first IFD's sample layout. */
  private static final class Tiff {
    int samples = 1;
    int bits = 1;

    static Tiff parse(byte[] d) {
      Tiff t = new Tiff();
      if (d.length < 8) {
        return t;
      }
      boolean le = d[0] == 'I';
      long ifd = u32(d, 4, le);
      if (ifd < 8 || ifd + 2 > d.length) {
        return t;
      }
      int p = (int) ifd;
      int entries = u16(d, p, le);
      for (int i = 0; i < entries; i++) {
        int e = p + 2 + 12 * i;
        if (e + 12 > d.length) {
          break;
        }
        int tag = u16(d, e, le);
        int type = u16(d, e + 2, le);
        long count = u32(d, e + 4, le);
        if (tag == 277) { // SamplesPerPixel
          t.samples = (int) Math.min(Integer.MAX_VALUE, value(d, e + 8, type, le));
        } else if (tag == 258 && count > 0) { // BitsPerSample: one value per sample
          t.bits = (int) Math.min(64, maxValue(d, e + 8, type, count, le));
        }
      }
      t.samples = Math.max(1, t.samples);
      return t;
    }

    private static long value(byte[] d, int at, int type, boolean le) {
      return type == 3 ? u16(d, at, le) : type == 4 ? u32(d, at, le) : d[at] & 0xFF;
    }

    /** The largest of {@code count} SHORTs (inline, or at the offset); 64 when unreadable. */
    private static long maxValue(byte[] d, int at, int type, long count, boolean le) {
      int size = type == 3 ? 2 : type == 4 ? 4 : 1;
      long start = count * size <= 4 ? at : u32(d, at, le);
      long max = 0;
      for (long i = 0; i < count; i++) {
        long off = start + i * size;
        if (off + size > d.length) {
          return max == 0 ? 64 : max;
        }
        max = Math.max(max, value(d, (int) off, type, le));
      }
      return max;
    }
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  private static long roundUp(long a, long multiple) {
    return ceilDiv(a, multiple) * multiple;
  }

  private static int u16le(byte[] d, int i) {
    return (d[i] & 0xFF) | (d[i + 1] & 0xFF) << 8;
  }

  private static int u16be(byte[] d, int i) {
    return (d[i] & 0xFF) << 8 | (d[i + 1] & 0xFF);
  }

  private static int u16(byte[] d, int i, boolean le) {
    return le ? u16le(d, i) : u16be(d, i);
  }

  private static long u32(byte[] d, int i, boolean le) {
    if (i + 4 > d.length) {
      return 0;
    }
    long a = d[i] & 0xFFL;
    long b = d[i + 1] & 0xFFL;
    long c = d[i + 2] & 0xFFL;
    long e = d[i + 3] & 0xFFL;
    return le ? a | b << 8 | c << 16 | e << 24 : a << 24 | b << 16 | c << 8 | e;
  }
}
