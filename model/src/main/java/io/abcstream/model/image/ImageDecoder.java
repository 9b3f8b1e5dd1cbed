package io.abcstream.model.image;

import com.twelvemonkeys.imageio.plugins.bmp.BMPImageReaderSpi;
import com.twelvemonkeys.imageio.plugins.tiff.TIFFImageReaderSpi;
import com.twelvemonkeys.imageio.plugins.webp.WebPImageReaderSpi;
import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.SampleModel;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Objects;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.spi.ImageReaderSpi;

/**
 * Decodes encoded image bytes to {@link RgbImage}, giving the pixels that {@code
 * PIL.Image.open(f).convert("RGB")} (Pillow 9.4 with libjpeg-turbo, as on Debian 12) gives:
 *
 * <ul>
 *   <li>alpha is dropped without compositing (RGBA, LA, tRNS colour keys, palette transparency);
 *   <li>palette images are looked up in their palette; greyscale is replicated to R = G = B;
 *       1/2/4-bit greyscale is scaled to 0..255 as Pillow unpacks it;
 *   <li>16-bit greyscale PNG (Pillow mode "I") is clipped to 255, not scaled; 16-bit RGB/RGBA/LA
 *       PNG keep the high byte, as Pillow's "RGB;16B"-style unpackers do;
 *   <li>JPEG: greyscale and YCbCr/RGB JPEGs are decoded by {@link NativeJpeg} (libjpeg-turbo over
 *       JNI with Pillow's exact settings) when it is available; otherwise, and for CMYK/YCCK, the
 *       raw components are read with the JDK's libjpeg decoder (ISLOW IDCT, fancy upsampling) and
 *       converted here with libjpeg's YCbCr→RGB fixed-point tables; CMYK/YCCK JPEGs are inverted
 *       when an Adobe marker is present (Pillow's "CMYK;I") and converted with Pillow's {@code
 *       cmyk2rgb};
 *   <li>animated images: the first frame; EXIF orientation is not applied; ICC profiles and gamma
 *       are ignored.
 * </ul>
 *
 * Formats: JPEG, PNG, GIF (JDK plugins), WebP, TIFF, BMP (TwelveMonkeys plugins, instantiated
 * directly so that no ImageIO registry scan is needed in a Flink user-code class loader).
 *
 * <p>Hostile input: the byte size is checked first, then the header dimensions (read with {@code
 * ImageReader.getWidth(0)/getHeight(0)}, which parses only the header) are checked against the
 * pixel limit before any pixel is decoded, then the bytes the decode will allocate (heap and
 * native, from the samples, bits, GIF screen and JPEG coefficient buffers the header declares; see
 * {@link ImageProbe#decodeBytes()}) against the decode-memory limit; truncated data is an error
 * (Pillow raises "image file is truncated").
 *
 * <p>Immutable and thread-safe; each call uses its own reader.
 */
public final class ImageDecoder {
  /**
   * Pillow's {@code Image.MAX_IMAGE_PIXELS} = 1024·1024·1024 // 4 // 3. Pillow warns above it,
   * errors above 2×.
   */
  public static final long PILLOW_MAX_IMAGE_PIXELS = 1024L * 1024 * 1024 / 4 / 3;

  /** Default byte limit of the encoded input: 64 MiB. */
  public static final long DEFAULT_MAX_BYTES = 64L << 20;

  /**
   * Default limit of the bytes one decode may allocate: 192 MiB. Enough for any baseline JPEG up to
   * the pixel limit (its rows stream), a progressive 4:2:0 JPEG of 67 megapixels, an 8-bit RGB PNG
   * of 33; a 35-byte GIF whose logical screen is 89 megapixels (268 MB of canvas) is refused.
   */
  public static final long DEFAULT_MAX_DECODE_BYTES = 192L << 20;

  private final long maxPixels;
  private final long maxBytes;
  private final long maxDecodeBytes;
  private final int maxJpegScans;
  private final boolean nativeJpeg;

  private ImageDecoder(Builder b) {
    this.maxPixels = b.maxPixels;
    this.maxBytes = b.maxBytes;
    this.maxDecodeBytes = b.maxDecodeBytes;
    this.maxJpegScans = b.maxJpegScans;
    this.nativeJpeg = b.nativeJpeg;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A decoder with the default limits (Pillow's MAX_IMAGE_PIXELS, 64 MiB). */
  public static ImageDecoder defaults() {
    return builder().build();
  }

  public long maxPixels() {
    return maxPixels;
  }

  public long maxBytes() {
    return maxBytes;
  }

  /** Most bytes one decode may allocate, as {@link ImageProbe#decodeBytes()} estimates them. */
  public long maxDecodeBytes() {
    return maxDecodeBytes;
  }

  /**
   * Decodes {@code data} to RGB.
   *
   * @throws ImageException {@code UNDECODABLE_IMAGE} (empty, not an image, truncated, corrupt,
   *     unsupported) or {@code IMAGE_TOO_LARGE} (bytes or header pixels over the limits)
   */
  public RgbImage decode(byte[] data) {
    if (data == null || data.length == 0) {
      throw undecodable("empty input (zero bytes)", null);
    }
    checkByteSize(data);
    ImageFormat format = ImageFormat.sniff(data);
    if (format == null) {
      throw undecodable(
          "not a supported image format (JPEG, PNG, GIF, WebP, TIFF, BMP); leading bytes "
              + leadingHex(data),
          null);
    }
    checkContainer(format, data);
    return decodePixels(data, readHeader(format, data, " image could not be decoded: "));
  }

  /**
   * {@link #decode(byte[])} of an image already {@link #probe probed}: neither sniffs nor reads the
   * header again.
   *
   * @throws ImageException as {@link #decode(byte[])}
   */
  public RgbImage decode(byte[] data, ImageProbe probe) {
    Objects.requireNonNull(probe, "probe");
    if (data == null || data.length == 0) {
      throw undecodable("empty input (zero bytes)", null);
    }
    checkByteSize(data);
    checkContainer(probe.format(), data);
    return decodePixels(data, probe);
  }

  /** The pixels of an image whose header passed {@link #checkDimensions}. */
  private RgbImage decodePixels(byte[] data, ImageProbe probe) {
    ImageFormat format = probe.format();
    int width = probe.width();
    int height = probe.height();
    checkDecodeBytes(format, width, height, probe.decodeBytes(), "a whole decode");
    if (format == ImageFormat.JPEG && nativeJpeg && NativeJpeg.isAvailable()) {
      RgbImage img;
      try {
        img = NativeJpeg.decode(data, maxPixels, maxDecodeBytes);
      } catch (ImageException e) {
        throw e;
      } catch (RuntimeException e) {
        throw undecodable(format + " image could not be decoded: " + e, e);
      } catch (OutOfMemoryError e) {
        throw new ImageException(
            ImageException.Kind.IMAGE_TOO_LARGE,
            format + " image needs more memory than is available: " + e.getMessage(),
            e);
      }
      if (img != null) {
        if (img.width() != width || img.height() != height) {
          throw undecodable(
              format
                  + ": decoded size "
                  + img.width()
                  + "x"
                  + img.height()
                  + " differs from the header's "
                  + width
                  + "x"
                  + height,
              null);
        }
        return img;
      }
      // null: a kind the native decoder leaves to ImageIO (CMYK/YCCK, not 8-bit)
    }
    ImageReader reader = newReader(format);
    WarningCollector warnings = new WarningCollector();
    try (ByteArrayImageInputStream in = new ByteArrayImageInputStream(data)) {
      reader.setInput(in, true, true);
      reader.addIIOReadWarningListener(warnings);
      RgbImage out;
      if (format == ImageFormat.JPEG) {
        Raster raster = reader.readRaster(0, null);
        warnings.throwIfTruncated(format);
        out = JpegColor.toRgb(raster, JpegColor.Markers.parse(data), width, height);
      } else {
        ImageReadParam param = reader.getDefaultReadParam();
        BufferedImage image = reader.read(0, param);
        warnings.throwIfTruncated(format);
        if (image.getWidth() != width || image.getHeight() != height) {
          throw undecodable(
              format
                  + ": decoded size "
                  + image.getWidth()
                  + "x"
                  + image.getHeight()
                  + " differs from the header's "
                  + width
                  + "x"
                  + height,
              null);
        }
        out = toRgb(image, format);
        if (format == ImageFormat.GIF) {
          out = GifScreen.composeFirstFrame(data, image, out, this);
        }
      }
      return out;
    } catch (ImageException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw undecodable(format + " image could not be decoded: " + e, e);
    } catch (OutOfMemoryError e) {
      // Bounded by the pixel limit; still, never let a single input take the worker down.
      throw new ImageException(
          ImageException.Kind.IMAGE_TOO_LARGE,
          format + " image needs more memory than is available: " + e.getMessage(),
          e);
    } finally {
      reader.dispose();
    }
  }

  /**
   * For a JPEG the native decoder takes: an open reader of its rows, after every check {@link
   * #decode} makes (byte size, scan count, header dimensions against the pixel limit); {@code null}
   * for anything else, which {@link #decode} handles. Rows come out as {@link #decode}'s would;
   * truncation surfaces while reading or at {@link NativeJpeg.RowReader#finish()}. The caller
   * closes the reader.
   */
  NativeJpeg.RowReader openJpegRows(byte[] data) {
    if (!nativeJpeg
        || !NativeJpeg.isAvailable()
        || data == null
        || data.length == 0
        || ImageFormat.sniff(data) != ImageFormat.JPEG) {
      return null;
    }
    checkByteSize(data);
    checkContainer(ImageFormat.JPEG, data);
    return openRows(data, probe(data, ImageFormat.JPEG));
  }

  /**
   * {@link #openJpegRows(byte[])} of an image already {@link #probe probed}: no second sniff or
   * header read.
   */
  NativeJpeg.RowReader openJpegRows(byte[] data, ImageProbe probe) {
    if (!nativeJpeg
        || !NativeJpeg.isAvailable()
        || data == null
        || data.length == 0
        || probe.format() != ImageFormat.JPEG) {
      return null;
    }
    checkByteSize(data);
    checkContainer(ImageFormat.JPEG, data);
    return openRows(data, probe);
  }

  private NativeJpeg.RowReader openRows(byte[] data, ImageProbe header) {
    checkDecodeBytes(
        ImageFormat.JPEG,
        header.width(),
        header.height(),
        header.streamedBytes(),
        "a streamed decode");
    NativeJpeg.RowReader rows = NativeJpeg.open(data, maxPixels, maxDecodeBytes);
    if (rows != null && (rows.width() != header.width() || rows.height() != header.height())) {
      rows.close();
      throw undecodable(
          "JPEG: decoder size "
              + rows.width()
              + "x"
              + rows.height()
              + " differs from the header's "
              + header.width()
              + "x"
              + header.height(),
          null);
    }
    return rows;
  }

  private void checkByteSize(byte[] data) {
    if (data.length > maxBytes) {
      throw new ImageException(
          ImageException.Kind.IMAGE_TOO_LARGE,
          "encoded image has " + data.length + " bytes, limit is " + maxBytes);
    }
  }

  /** Which JPEG decoder this JVM uses: the bundled libjpeg-turbo, or ImageIO and why. */
  public static String jpegDecoder() {
    return NativeJpeg.isAvailable()
        ? NativeJpeg.libraryInfo()
        : "ImageIO (JDK libjpeg 6b): " + NativeJpeg.unavailableReason();
  }

  /**
   * Reads only the header: the format and the {@code (width, height)} the image would decode to,
   * checked.
   */
  public ImageProbe probe(byte[] data) {
    return probe(data, null);
  }

  /**
   * {@link #probe(byte[])} with the format already sniffed (by the fetch, say), so the bytes are
   * not sniffed again; {@code null} sniffs here.
   */
  public ImageProbe probe(byte[] data, ImageFormat sniffed) {
    if (data == null || data.length == 0) {
      throw undecodable("empty input (zero bytes)", null);
    }
    ImageFormat format = sniffed != null ? sniffed : ImageFormat.sniff(data);
    if (format == null) {
      throw undecodable("not a supported image format; leading bytes " + leadingHex(data), null);
    }
    return readHeader(format, data, " header could not be read: ");
  }

  /** The one header read: dimensions from the format's reader, checked against the pixel limit. */
  private ImageProbe readHeader(ImageFormat format, byte[] data, String failure) {
    ReadCounters.HEADERS.increment();
    ImageReader reader = newReader(format);
    try (ByteArrayImageInputStream in = new ByteArrayImageInputStream(data)) {
      reader.setInput(in, true, true);
      int width = reader.getWidth(0);
      int height = reader.getHeight(0);
      checkDimensions(format, width, height);
      DecodeMemory.Estimate memory =
          DecodeMemory.of(format, data, width, height, streamsJpegRows());
      // The cheapest way this image decodes must fit; decode() checks its own (whole) estimate.
      checkDecodeBytes(format, width, height, memory.streamed(), "its decode");
      if (memory.invalid() != null) {
        throw undecodable(memory.invalid(), null);
      }
      return new ImageProbe(format, width, height, memory.whole(), memory.streamed());
    } catch (ImageException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw undecodable(format + failure + e, e);
    } catch (OutOfMemoryError e) {
      throw new ImageException(
          ImageException.Kind.IMAGE_TOO_LARGE,
          format + " image needs more memory than is available: " + e.getMessage(),
          e);
    } finally {
      reader.dispose();
    }
  }

  /** Container-level checks the plugins do not make (Pillow/libwebp reject these). */
  private void checkContainer(ImageFormat format, byte[] d) {
    if (format == ImageFormat.JPEG) {
      // Each progressive scan re-walks the whole coefficient buffer: a small file with thousands of
      // scans takes minutes to decode. Entropy-coded data never contains FF DA (0xFF is stuffed or
      // starts an RSTn), so counting FF DA pairs counts SOS markers (metadata can only add to it).
      int scans = 0;
      for (int i = 2; i + 1 < d.length; i++) {
        if (d[i] == (byte) 0xFF && d[i + 1] == (byte) 0xDA && ++scans > maxJpegScans) {
          throw new ImageException(
              ImageException.Kind.IMAGE_TOO_LARGE,
              "JPEG has more than "
                  + maxJpegScans
                  + " scans (a decode-time bomb); limit is "
                  + maxJpegScans);
        }
      }
    } else if (format == ImageFormat.WEBP) {
      long riffSize =
          (d[4] & 0xFFL) | (d[5] & 0xFFL) << 8 | (d[6] & 0xFFL) << 16 | (d[7] & 0xFFL) << 24;
      if (riffSize + 8 > d.length) {
        throw undecodable(
            "WEBP image file is truncated: RIFF declares "
                + (riffSize + 8)
                + " bytes, got "
                + d.length,
            null);
      }
    } else if (format == ImageFormat.GIF && d.length >= 10) {
      // Pillow sizes a GIF by its logical screen; the JDK reader reports the first frame. Check
      // both.
      int sw = (d[6] & 0xFF) | (d[7] & 0xFF) << 8;
      int sh = (d[8] & 0xFF) | (d[9] & 0xFF) << 8;
      if (sw > 0 && sh > 0) {
        checkDimensions(format, sw, sh);
      }
    }
  }

  /**
   * Whether {@link AbcPreprocessor#decodeAndPreprocess} streams the rows of a JPEG the native
   * decoder takes.
   */
  boolean streamsJpegRows() {
    return nativeJpeg && ResampleEngine.VECTOR && NativeJpeg.isAvailable();
  }

  private void checkDecodeBytes(ImageFormat format, int width, int height, long bytes, String how) {
    if (bytes > maxDecodeBytes) {
      throw new ImageException(
          ImageException.Kind.IMAGE_TOO_LARGE,
          format
              + " image is "
              + width
              + "x"
              + height
              + " and "
              + how
              + " needs about "
              + bytes
              + " bytes, decode-memory limit is "
              + maxDecodeBytes
              + " (checked from the header, before decoding)");
    }
  }

  void checkDimensions(ImageFormat format, int width, int height) {
    if (width <= 0 || height <= 0) {
      throw undecodable(format + " header has invalid dimensions " + width + "x" + height, null);
    }
    long pixels = (long) width * height;
    if (pixels > maxPixels) {
      throw new ImageException(
          ImageException.Kind.IMAGE_TOO_LARGE,
          format
              + " image is "
              + width
              + "x"
              + height
              + " = "
              + pixels
              + " pixels, limit is "
              + maxPixels
              + " (checked from the header, before decoding)");
    }
    if (pixels * 4 > Integer.MAX_VALUE) {
      throw new ImageException(
          ImageException.Kind.IMAGE_TOO_LARGE,
          format + " image is " + width + "x" + height + ", too large for one pixel array");
    }
  }

  private static ImageReader newReader(ImageFormat format) {
    try {
      switch (format) {
        case WEBP:
          return create(new WebPImageReaderSpi());
        case TIFF:
          return create(new TIFFImageReaderSpi());
        case BMP:
          return create(new BMPImageReaderSpi());
        default:
          return jdkReader(format.name().toLowerCase(Locale.ROOT));
      }
    } catch (IOException e) {
      throw undecodable("no reader for " + format + ": " + e, e);
    }
  }

  private static ImageReader create(ImageReaderSpi spi) throws IOException {
    return spi.createReaderInstance();
  }

  /** The JDK's own plugin (always registered, independent of the context class loader). */
  private static ImageReader jdkReader(String formatName) {
    Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(formatName);
    ImageReader fallback = null;
    while (it.hasNext()) {
      ImageReader r = it.next();
      if (r.getClass().getName().startsWith("com.sun.imageio.")) {
        if (fallback != null) {
          fallback.dispose();
        }
        return r;
      }
      if (fallback == null) {
        fallback = r;
      } else {
        r.dispose();
      }
    }
    if (fallback == null) {
      throw undecodable("no ImageIO reader for " + formatName, null);
    }
    return fallback;
  }

  // ------------------------------------------------------------------ pixel conversion (non-JPEG)

  static RgbImage toRgb(BufferedImage image, ImageFormat format) {
    int w = image.getWidth();
    int h = image.getHeight();
    ColorModel cm = image.getColorModel();
    Raster raster = image.getRaster();
    byte[] out = new byte[w * h * 3];
    if (cm instanceof IndexColorModel) {
      IndexColorModel icm = (IndexColorModel) cm;
      int n = icm.getMapSize();
      byte[] r = new byte[n];
      byte[] g = new byte[n];
      byte[] b = new byte[n];
      icm.getReds(r);
      icm.getGreens(g);
      icm.getBlues(b);
      int[] row = new int[w];
      int o = 0;
      for (int y = 0; y < h; y++) {
        raster.getSamples(0, y, w, 1, 0, row);
        for (int x = 0; x < w; x++) {
          int i = row[x];
          if (i >= n) {
            i = 0; // Pillow pads short palettes with black/zeros; out-of-range indices read entry
            // 0..
          }
          out[o++] = r[i];
          out[o++] = g[i];
          out[o++] = b[i];
        }
      }
      return new RgbImage(w, h, out);
    }
    int csType = cm.getColorSpace().getType();
    int bands = raster.getNumBands();
    int bits = raster.getSampleModel().getSampleSize(0);
    boolean hasAlpha = cm.hasAlpha();
    if (csType == ColorSpace.TYPE_GRAY) {
      // 16-bit: Pillow opens grey PNG as mode "I" and clips; grey+alpha is unpacked taking the high
      // byte.
      IntUnaryOp op =
          bits == 8
              ? v -> v
              : bits == 16 ? (hasAlpha ? v -> v >>> 8 : v -> Math.min(v, 255)) : scaler(bits);
      int[] row = new int[w];
      int o = 0;
      for (int y = 0; y < h; y++) {
        raster.getSamples(0, y, w, 1, 0, row);
        for (int x = 0; x < w; x++) {
          byte v = (byte) op.apply(row[x]);
          out[o++] = v;
          out[o++] = v;
          out[o++] = v;
        }
      }
      return new RgbImage(w, h, out);
    }
    if (csType == ColorSpace.TYPE_CMYK && bands >= 4) {
      int[] c = new int[w];
      int[] m = new int[w];
      int[] ye = new int[w];
      int[] k = new int[w];
      int o = 0;
      for (int y = 0; y < h; y++) {
        raster.getSamples(0, y, w, 1, 0, c);
        raster.getSamples(0, y, w, 1, 1, m);
        raster.getSamples(0, y, w, 1, 2, ye);
        raster.getSamples(0, y, w, 1, 3, k);
        for (int x = 0; x < w; x++) {
          JpegColor.cmykToRgb(c[x], m[x], ye[x], k[x], out, o);
          o += 3;
        }
      }
      return new RgbImage(w, h, out);
    }
    if (csType == ColorSpace.TYPE_RGB && bands >= 3) {
      if (bits == 8 && copyInterleaved8(raster, out, w, h)) {
        return new RgbImage(w, h, out);
      }
      IntUnaryOp op = bits == 8 ? v -> v : bits == 16 ? v -> v >>> 8 : scaler(bits);
      int[][] rows = new int[3][w];
      int o = 0;
      for (int y = 0; y < h; y++) {
        for (int c = 0; c < 3; c++) {
          raster.getSamples(0, y, w, 1, c, rows[c]);
        }
        for (int x = 0; x < w; x++) {
          out[o++] = (byte) op.apply(rows[0][x]);
          out[o++] = (byte) op.apply(rows[1][x]);
          out[o++] = (byte) op.apply(rows[2][x]);
        }
      }
      return new RgbImage(w, h, out);
    }
    // Anything else (unusual colour spaces): let Java2D convert to sRGB. Not guaranteed
    // Pillow-exact.
    int o = 0;
    int[] argb = new int[w];
    for (int y = 0; y < h; y++) {
      image.getRGB(0, y, w, 1, argb, 0, w);
      for (int x = 0; x < w; x++) {
        int p = argb[x];
        out[o++] = (byte) (p >>> 16);
        out[o++] = (byte) (p >>> 8);
        out[o++] = (byte) p;
      }
    }
    return new RgbImage(w, h, out);
  }

  /** Fast path for byte-interleaved rasters (TYPE_3BYTE_BGR, 4BYTE_ABGR, PNG/WebP RGB(A) 8-bit). */
  static boolean copyInterleaved8(Raster raster, byte[] out, int w, int h) {
    SampleModel sm = raster.getSampleModel();
    if (!(sm instanceof ComponentSampleModel)
        || !(raster.getDataBuffer() instanceof DataBufferByte)
        || raster.getDataBuffer().getNumBanks() != 1
        || sm.getDataType() != DataBuffer.TYPE_BYTE) {
      return false;
    }
    ComponentSampleModel csm = (ComponentSampleModel) sm;
    int[] bankIdx = csm.getBankIndices();
    for (int bi : bankIdx) {
      if (bi != 0) {
        return false;
      }
    }
    byte[] data = ((DataBufferByte) raster.getDataBuffer()).getData();
    int ps = csm.getPixelStride();
    int ss = csm.getScanlineStride();
    int[] bo = csm.getBandOffsets();
    int base =
        raster.getDataBuffer().getOffset()
            - raster.getSampleModelTranslateX() * ps
            - raster.getSampleModelTranslateY() * ss;
    int r0 = bo[0];
    int g0 = bo[1];
    int b0 = bo[2];
    int o = 0;
    for (int y = 0; y < h; y++) {
      int p = base + y * ss;
      if (ps == 3 && r0 == 0 && g0 == 1 && b0 == 2) {
        System.arraycopy(data, p, out, o, w * 3);
        o += w * 3;
        continue;
      }
      for (int x = 0; x < w; x++, p += ps) {
        out[o++] = data[p + r0];
        out[o++] = data[p + g0];
        out[o++] = data[p + b0];
      }
    }
    return true;
  }

  @FunctionalInterface
  interface IntUnaryOp {
    int apply(int v);
  }

  /** Low bit depths scaled to 8 bits as Pillow's unpackers do (1 → ×255, 2 → ×85, 4 → ×17). */
  private static IntUnaryOp scaler(int bits) {
    if (bits <= 0 || bits > 16) {
      throw undecodable("unsupported sample size " + bits, null);
    }
    int max = (1 << bits) - 1;
    return bits < 8 ? v -> v * 255 / max : v -> v >>> (bits - 8);
  }

  private static ImageException undecodable(String message, Throwable cause) {
    return new ImageException(ImageException.Kind.UNDECODABLE_IMAGE, message, cause);
  }

  private static String leadingHex(byte[] d) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(8, d.length); i++) {
      sb.append(String.format(Locale.ROOT, "%02x", d[i] & 0xFF));
    }
    return sb.toString();
  }

  /** Collects reader warnings; the ones that mean missing data become errors, as in Pillow. */
  private static final class WarningCollector implements IIOReadWarningListener {
    private String truncation;

    @Override
    public void warningOccurred(ImageReader source, String warning) {
      String w = warning == null ? "" : warning.toLowerCase(Locale.ROOT);
      if (truncation == null
          && (w.contains("premature end")
              || w.contains("truncat")
              || w.contains("eof")
              || w.contains("end of file")
              || w.contains("end of stream"))) {
        truncation = warning;
      }
    }

    void throwIfTruncated(ImageFormat format) {
      if (truncation != null) {
        throw undecodable(format + " image file is truncated: " + truncation, null);
      }
    }
  }

  /** Builder with checked setters. */
  public static final class Builder {
    private long maxPixels = PILLOW_MAX_IMAGE_PIXELS;
    private long maxBytes = DEFAULT_MAX_BYTES;
    private long maxDecodeBytes = DEFAULT_MAX_DECODE_BYTES;
    private int maxJpegScans = 256;
    private boolean nativeJpeg = true;

    private Builder() {}

    /**
     * Whether JPEG may be decoded by {@link NativeJpeg} when it is available (default true); false
     * forces the ImageIO path (tests compare the two).
     */
    Builder nativeJpeg(boolean nativeJpeg) {
      this.nativeJpeg = nativeJpeg;
      return this;
    }

    /**
     * Most SOS markers a JPEG may have (default 256; encoders write about 10 for progressive
     * JPEGs).
     */
    public Builder maxJpegScans(int maxJpegScans) {
      if (maxJpegScans < 1) {
        throw new IllegalArgumentException("maxJpegScans must be >= 1, got " + maxJpegScans);
      }
      this.maxJpegScans = maxJpegScans;
      return this;
    }

    /**
     * Largest accepted {@code width × height} from the header (default Pillow's MAX_IMAGE_PIXELS =
     * 89,478,485; note Pillow itself only warns there and raises DecompressionBombError above twice
     * that).
     */
    public Builder maxPixels(long maxPixels) {
      if (maxPixels <= 0 || maxPixels > Integer.MAX_VALUE / 4) {
        throw new IllegalArgumentException(
            "maxPixels must be in 1.." + (Integer.MAX_VALUE / 4) + ", got " + maxPixels);
      }
      this.maxPixels = maxPixels;
      return this;
    }

    /** Largest accepted encoded size in bytes (default 64 MiB). */
    public Builder maxBytes(long maxBytes) {
      if (maxBytes <= 0 || maxBytes > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "maxBytes must be in 1.." + Integer.MAX_VALUE + ", got " + maxBytes);
      }
      this.maxBytes = maxBytes;
      return this;
    }

    /**
     * Most bytes (heap and native) one decode may allocate, as estimated from the header (default
     * {@link #DEFAULT_MAX_DECODE_BYTES}).
     */
    public Builder maxDecodeBytes(long maxDecodeBytes) {
      if (maxDecodeBytes < 1 << 20) {
        throw new IllegalArgumentException(
            "maxDecodeBytes must be at least 1 MiB, got " + maxDecodeBytes);
      }
      this.maxDecodeBytes = maxDecodeBytes;
      return this;
    }

    public ImageDecoder build() {
      return new ImageDecoder(this);
    }
  }
}
