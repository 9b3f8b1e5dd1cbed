package io.abcstream.model.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JPEG decoding through libjpeg-turbo over JNI with Pillow's exact settings: same library, same
 * pixels.
 */
public final class NativeJpeg {
  // The same library and settings as Pillow 9.4's Image.open(f).convert("RGB") give the same
  // pixels, about as fast.
  // The shared library (/native/linux-x86_64/libabcjpeg.so, built by the model module's native-jpeg
  // profile) is
  // copied to a new uniquely named file under java.io.tmpdir, loaded and deleted at once: Flink
  // loads user code in
  // several class loaders per TaskManager and a native library binds to one loader, so each loader
  // gets its own copy
  // and nothing is left behind. A small JPEG with known Pillow pixels is then decoded as a
  // self-test.
  // When any of that fails, or with -Dabc.jpeg.native=false, isAvailable() is false, one log line
  // says why, and
  // ImageDecoder uses ImageIO. Per image, CMYK/YCCK and precisions other than 8 bits are left to
  // ImageIO too.

  /** System property: {@code false} disables the native decoder. */
  public static final String PROPERTY = "abc.jpeg.native";

  private static final Logger LOG = LoggerFactory.getLogger(NativeJpeg.class);
  private static final String LIBRARY = "libabcjpeg.so";

  /** Must equal ABC_ABI in abc_jpeg.c. */
  private static final int ABI = 4;

  // Status codes of abc_jpeg.c.
  private static final int OK = 0;
  private static final int UNSUPPORTED = 1;
  private static final int TRUNCATED = 2;
  private static final int CORRUPT = 3;
  private static final int TOO_LARGE = 4;

  /**
   * Self-test: a 16×16 4:2:0 JPEG (Pillow, quality 85) and the CRC-32 of Pillow 9.4 / libjpeg-turbo
   * 2.1.5's {@code convert("RGB").tobytes()} of it.
   */
  private static final String PROBE_JPEG =
      "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAUDBAQEAwUEBAQFBQUGBwwIBwcHBw8LCwkMEQ8SEhEP"
          + "ERETFhwXExQaFRERGCEYGh0dHx8fExciJCIeJBweHx7/2wBDAQUFBQcGBw4ICA4eFBEUHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4e"
          + "Hh4eHh4eHh4eHh4eHh4eHh4eHh4eHh7/wAARCAAQABADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QA"
          + "tRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RF"
          + "RkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW"
          + "19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3"
          + "AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVm"
          + "Z2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP0"
          + "9fb3+Pn6/9oADAMBAAIRAxEAPwDRgsvEVrol5LZeFdGht5YxDDDcCSSTLAKfmDKG6s2Ao4GO2ayvFza7p+i2enXWq+GfDtxcOpMJWJJJ"
          + "Y8537ZmY4DJjIwOTnPGKN7YeDv8AiW6eug693mkT7JF9FOfM/wB//OKmtbKK+8Yx2Nv4DmlsrAfK0t2qFt3IJAjbGV2ZGTjBwT1OefYq"
          + "rmGNjh6WspPql6XfNN3tu/LUlYSOHi6ajdQjGmrxiruSvLWU3f3brW7uvmf/2Q==";

  private static final long PROBE_CRC32 = 119504855L;

  private NativeJpeg() {}

  /** True when the native decoder is loaded and passed its self-test. */
  public static boolean isAvailable() {
    return Holder.UNAVAILABLE == null;
  }

  /** Why the native decoder is not used ({@code null} when it is). */
  public static String unavailableReason() {
    return Holder.UNAVAILABLE;
  }

  /**
   * The loaded library's description (libjpeg-turbo version, static or dynamic); {@code null} when
   * not loaded.
   */
  public static String libraryInfo() {
    return Holder.INFO;
  }

  /**
   * Decodes a JPEG to packed pixels, or returns {@code null} when this JPEG is a kind left to the
   * ImageIO path (4 components, not 8-bit, or a libjpeg feature not compiled in). Requires {@link
   * #isAvailable()}.
   *
   * @throws ImageException {@code UNDECODABLE_IMAGE} for corrupt or truncated data, {@code
   *     IMAGE_TOO_LARGE} when the header's {@code width × height} exceeds {@code maxPixels} or
   *     libjpeg would need more than {@link ImageDecoder#DEFAULT_MAX_DECODE_BYTES}
   */
  static RgbImage decode(byte[] data, long maxPixels) {
    return decode(data, maxPixels, ImageDecoder.DEFAULT_MAX_DECODE_BYTES);
  }

  /**
   * {@link #decode(byte[], long)} with libjpeg's own allocations (the coefficient buffers of a
   * progressive JPEG, above all) capped at {@code maxMemory} bytes: above it, IMAGE_TOO_LARGE.
   */
  static RgbImage decode(byte[] data, long maxPixels, long maxMemory) {
    if (!isAvailable()) {
      throw new IllegalStateException("native JPEG decoder not available: " + Holder.UNAVAILABLE);
    }
    return decodeLoaded(data, maxPixels, maxMemory);
  }

  private static RgbImage decodeLoaded(byte[] data, long maxPixels, long maxMemory) {
    try (RowReader rows = openLoaded(data, maxPixels, maxMemory)) {
      if (rows == null) {
        return null;
      }
      int[] pixels = new int[Math.multiplyExact(rows.width(), rows.height())];
      rows.read(pixels, 0, rows.height());
      rows.finish();
      return RgbImage.ofPacked(rows.width(), rows.height(), pixels);
    }
  }

  /**
   * Opens a JPEG for decoding a few rows at a time (no full-size pixel array), or returns {@code
   * null} when it is a kind left to the ImageIO path. Requires {@link #isAvailable()}. The caller
   * must close the reader.
   *
   * @throws ImageException as {@link #decode} for a bad header or a size over {@code maxPixels}
   */
  static RowReader open(byte[] data, long maxPixels) {
    return open(data, maxPixels, ImageDecoder.DEFAULT_MAX_DECODE_BYTES);
  }

  /** {@link #open(byte[], long)} with libjpeg's allocations capped at {@code maxMemory} bytes. */
  static RowReader open(byte[] data, long maxPixels, long maxMemory) {
    if (!isAvailable()) {
      throw new IllegalStateException("native JPEG decoder not available: " + Holder.UNAVAILABLE);
    }
    return openLoaded(data, maxPixels, maxMemory);
  }

  private static RowReader openLoaded(byte[] data, long maxPixels, long maxMemory) {
    int[] info = new int[3];
    String[] message = new String[1];
    long handle = open0(data, data.length, maxPixels, maxMemory, info, message);
    if (handle == 0) {
      if (info[0] == UNSUPPORTED) {
        return null;
      }
      throw failure(info[0], message[0], info[1], info[2]);
    }
    return new RowReader(handle, info[1], info[2]);
  }

  /**
   * Rows of one JPEG, decoded on demand into packed ints. Not thread-safe; close it (idempotent).
   */
  static final class RowReader implements AutoCloseable {
    /** Rows per native call at most (abc_jpeg.c pins the array for one call). */
    static final int MAX_ROWS_PER_READ = 64;

    private final int width;
    private final int height;
    private final String[] message = new String[1];
    private long handle;
    private int rowsRead;

    private RowReader(long handle, int width, int height) {
      this.handle = handle;
      this.width = width;
      this.height = height;
    }

    int width() {
      return width;
    }

    int height() {
      return height;
    }

    /** Rows decoded so far. */
    int rowsRead() {
      return rowsRead;
    }

    /**
     * Decodes the next {@code rows} rows (fewer at the end of the image) into {@code dst} from
     * {@code offset}, {@code width} ints per row; returns how many were decoded.
     */
    int read(int[] dst, int offset, int rows) {
      int want = Math.min(rows, height - rowsRead);
      Objects.checkFromIndexSize(offset, Math.multiplyExact(want, width), dst.length);
      int done = 0;
      while (done < want) {
        int n =
            read0(
                open(),
                dst,
                offset + done * width,
                Math.min(want - done, MAX_ROWS_PER_READ),
                message);
        if (n <= 0) {
          throw n == 0
              ? failure(CORRUPT, "libjpeg ended before the last row", width, height)
              : failure(-n, message[0], width, height);
        }
        done += n;
      }
      rowsRead += done;
      return done;
    }

    /**
     * Decodes the rows nobody read and checks the end of the data, so errors equal a full decode's.
     */
    void finish() {
      int status = finish0(open(), message);
      if (status != OK) {
        throw failure(-status, message[0], width, height);
      }
      rowsRead = height;
    }

    private long open() {
      if (handle == 0) {
        throw new IllegalStateException("JPEG row reader is closed");
      }
      return handle;
    }

    @Override
    public void close() {
      if (handle != 0) {
        close0(handle);
        handle = 0;
      }
    }
  }

  private static ImageException failure(int status, String message, int width, int height) {
    switch (status) {
      case TRUNCATED:
        // Pillow: "image file is truncated"; same wording as ImageDecoder's ImageIO path.
        return new ImageException(
            ImageException.Kind.UNDECODABLE_IMAGE, "JPEG image file is truncated: " + message);
      case TOO_LARGE:
        return new ImageException(
            ImageException.Kind.IMAGE_TOO_LARGE,
            "JPEG image is "
                + width
                + "x"
                + height
                + ": "
                + message
                + " (checked from the header, before decoding)");
      default:
        return new ImageException(
            ImageException.Kind.UNDECODABLE_IMAGE, "JPEG image could not be decoded: " + message);
    }
  }

  private static native int abi0();

  private static native boolean capable0();

  private static native String info0();

  /**
   * See abc_jpeg.c: a decoder handle, or 0 with info = {status, width, height} and message[0] set.
   */
  private static native long open0(
      byte[] data, int length, long maxPixels, long maxMemory, int[] info, String[] message);

  /** Rows decoded into dst, or -status with message[0] set. */
  private static native int read0(long handle, int[] dst, int offset, int rows, String[] message);

  /** 0, or -status with message[0] set. */
  private static native int finish0(long handle, String[] message);

  private static native void close0(long handle);

  /** Loads once per class loader, on first use. */
  private static final class Holder {
    static final String INFO;
    static final String UNAVAILABLE;

    static {
      String[] infoOut = new String[1];
      String reason;
      try {
        reason = load(infoOut);
      } catch (RuntimeException | LinkageError | IOException e) {
        reason = "could not load the native library: " + e;
      }
      INFO = infoOut[0];
      UNAVAILABLE = reason;
      if (reason == null) {
        LOG.info("native JPEG decoder loaded: {}", INFO);
      } else if (reason.startsWith("disabled")) {
        LOG.info("native JPEG decoder {}; decoding JPEG with ImageIO", reason);
      } else {
        LOG.warn(
            "native JPEG decoder not available ({}); decoding JPEG with ImageIO (same pixels, slower)",
            reason);
      }
    }

    private static String load(String[] infoOut) throws IOException {
      String setting = System.getProperty(PROPERTY, "true").trim();
      if (setting.equalsIgnoreCase("false")) {
        return "disabled by -D" + PROPERTY + "=false";
      }
      String platform = platform();
      if (platform == null) {
        return "no native library for "
            + System.getProperty("os.name")
            + "/"
            + System.getProperty("os.arch");
      }
      String resource = "/native/" + platform + "/" + LIBRARY;
      byte[] bytes;
      try (InputStream in = NativeJpeg.class.getResourceAsStream(resource)) {
        if (in == null) {
          return "no "
              + resource
              + " on the classpath (model was built without the native-jpeg profile:"
              + " needs gcc and /usr/include/jpeglib.h from libjpeg62-turbo-dev)";
        }
        bytes = in.readAllBytes();
      }
      Path dir = Paths.get(System.getProperty("java.io.tmpdir"));
      // createTempFile: a new file with a random suffix, created exclusively, owner-only
      // permissions.
      Path file = Files.createTempFile(dir, "libabcjpeg-" + sha256Prefix(bytes) + "-", ".so");
      try {
        Files.write(file, bytes);
        System.load(file.toAbsolutePath().toString());
      } finally {
        // The mapping stays valid after the unlink; the next class loader extracts its own copy.
        Files.deleteIfExists(file);
      }
      int abi = abi0();
      if (abi != ABI) {
        return "native library ABI " + abi + ", this class needs " + ABI;
      }
      infoOut[0] = info0();
      if (!capable0()) {
        return "native library unusable: " + infoOut[0];
      }
      return selfTest();
    }

    /**
     * Decodes the probe JPEG and compares with Pillow's pixels; a failure message or {@code null}.
     */
    private static String selfTest() {
      RgbImage img;
      try {
        img =
            decodeLoaded(
                Base64.getDecoder().decode(PROBE_JPEG),
                1 << 20,
                ImageDecoder.DEFAULT_MAX_DECODE_BYTES);
      } catch (RuntimeException e) {
        return "self-test decode failed: " + e.getMessage();
      }
      if (img == null || img.width() != 16 || img.height() != 16) {
        return "self-test decode gave " + img;
      }
      CRC32 crc = new CRC32();
      crc.update(img.rgb());
      if (crc.getValue() != PROBE_CRC32) {
        return "self-test pixels differ from Pillow's (a different libjpeg at run time?)";
      }
      return null;
    }

    private static String platform() {
      String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
      String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
      if (os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64"))) {
        return "linux-x86_64";
      }
      return null;
    }

    private static String sha256Prefix(byte[] bytes) {
      try {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 8);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
