package io.abcstream.jobs;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** Generated image files that are small on the wire and lie about, or hide, their decoded size. */
final class HostileImages {

  private HostileImages() {}

  /** PNG colour types. */
  static final int GRAY = 0;

  static final int RGBA = 6;

  /**
   * A complete PNG whose every row is filter 0 and all-zero pixels; zeros deflate ~1000:1, so a
   * 9000x9000 16-bit RGBA image (648 MB decoded) is well under a megabyte encoded.
   */
  static byte[] zeroPng(int width, int height, int bitDepth, int colorType) {
    int channels = colorType == RGBA ? 4 : colorType == 2 ? 3 : 1;
    long rowBytes = 1 + (long) width * channels * bitDepth / 8;
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
    ByteArrayOutputStream idat = new ByteArrayOutputStream();
    byte[] chunk = new byte[1 << 20];
    byte[] buf = new byte[1 << 16];
    long remaining = rowBytes * height;
    while (remaining > 0) {
      int n = (int) Math.min(chunk.length, remaining);
      deflater.setInput(chunk, 0, n);
      remaining -= n;
      while (!deflater.needsInput()) {
        idat.write(buf, 0, deflater.deflate(buf));
      }
    }
    deflater.finish();
    while (!deflater.finished()) {
      idat.write(buf, 0, deflater.deflate(buf));
    }
    deflater.end();
    return png(ihdr(width, height, bitDepth, colorType), idat.toByteArray(), true);
  }

  /** Only the signature and an IHDR declaring {@code width x height}: header-only. */
  static byte[] headerOnlyPng(int width, int height) {
    return png(ihdr(width, height, 8, RGBA), null, false);
  }

  static byte[] ihdr(int width, int height, int bitDepth, int colorType) {
    return ByteBuffer.allocate(13)
        .putInt(width)
        .putInt(height)
        .put((byte) bitDepth)
        .put((byte) colorType)
        .put((byte) 0)
        .put((byte) 0)
        .put((byte) 0)
        .array();
  }

  static byte[] png(byte[] ihdr, byte[] idat, boolean end) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    chunk(out, "IHDR", ihdr);
    if (idat != null) {
      chunk(out, "IDAT", idat);
    }
    if (end) {
      chunk(out, "IEND", new byte[0]);
    }
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    out.writeBytes(t);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  /**
   * A 35-byte GIF whose logical screen is 65535x1365 (89,455,275 pixels, just under Pillow's limit)
   * and whose only frame is 1x1: a decoder that composes onto the screen allocates the screen.
   */
  static byte[] gifScreenBomb() {
    return new byte[] {
      'G',
      'I',
      'F',
      '8',
      '9',
      'a',
      (byte) 0xFF,
      (byte) 0xFF,
      0x55,
      0x05, // screen 65535 x 1365
      (byte) 0x80,
      0,
      0, // global colour table of 2 entries
      0,
      0,
      0,
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF,
      0x2C,
      0,
      0,
      0,
      0,
      1,
      0,
      1,
      0,
      0, // image descriptor: 1x1 at 0,0
      0x02,
      0x02,
      0x44,
      0x01,
      0x00, // LZW: clear, 0, end
      0x3B
    };
  }

  /**
   * A ~20 kB TIFF, 256x256 pixels but 5,000 8-bit samples per pixel (328 MB raster), its strip
   * missing: a pixel limit lets it through, a byte budget does not.
   */
  static byte[] tiffSampleBomb() {
    int width = 256;
    int height = 256;
    int samples = 5000;
    int entries = 11;
    int ifd = 8;
    int ifdSize = 2 + entries * 12 + 4;
    int bitsAt = ifd + ifdSize;
    int extraAt = bitsAt + samples * 2;
    int stripAt = extraAt + (samples - 1) * 2;
    ByteBuffer b = ByteBuffer.allocate(stripAt + 16).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(ifd);
    b.putShort((short) entries);
    tag(b, 256, 4, 1, width);
    tag(b, 257, 4, 1, height);
    tag(b, 258, 3, samples, bitsAt); // BitsPerSample, one per sample
    tag(b, 259, 3, 1, 1); // no compression
    tag(b, 262, 3, 1, 1); // BlackIsZero
    tag(b, 273, 4, 1, stripAt);
    tag(b, 277, 3, 1, samples);
    tag(b, 278, 4, 1, height);
    tag(b, 279, 4, 1, width * height * samples);
    tag(b, 284, 3, 1, 1); // chunky
    tag(b, 338, 3, samples - 1, extraAt); // ExtraSamples: unspecified
    b.putInt(0);
    for (int i = 0; i < samples; i++) {
      b.putShort((short) 8);
    }
    for (int i = 0; i < samples - 1; i++) {
      b.putShort((short) 0);
    }
    return b.array();
  }

  private static void tag(ByteBuffer b, int tag, int type, int count, int value) {
    b.putShort((short) tag).putShort((short) type).putInt(count);
    if (type == 3 && count == 1) {
      b.putShort((short) value).putShort((short) 0);
    } else {
      b.putInt(value);
    }
  }

  /** A real JPEG of noise. */
  static byte[] jpeg(int width, int height, boolean progressive) {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Random random = new Random(7);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        img.setRGB(x, y, random.nextInt(0x1000000));
      }
    }
    try {
      ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
      ImageWriteParam param = writer.getDefaultWriteParam();
      if (progressive) {
        param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
        writer.setOutput(stream);
        writer.write(null, new IIOImage(img, null, null), param);
      }
      writer.dispose();
      return out.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A progressive JPEG whose SOF2 declares 9000x9000 (81 MP, ~486 MB of coefficient buffers), cut a
   * few bytes into its first scan: header only.
   */
  static byte[] progressiveJpegBomb() {
    byte[] jpeg = jpeg(16, 16, true);
    for (int i = 2; i + 8 < jpeg.length; i++) {
      if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC2) {
        jpeg[i + 5] = (byte) (9000 >> 8);
        jpeg[i + 6] = (byte) 9000;
        jpeg[i + 7] = (byte) (9000 >> 8);
        jpeg[i + 8] = (byte) 9000;
      }
      if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xDA) {
        return Arrays.copyOf(jpeg, Math.min(jpeg.length, i + 40));
      }
    }
    throw new IllegalStateException("no SOS in the generated JPEG");
  }

  static byte[] truncate(byte[] image, double fraction) {
    return Arrays.copyOf(image, (int) (image.length * fraction));
  }

  /** A BMP file header and BITMAPINFOHEADER declaring {@code width x height} at {@code bpp}. */
  static byte[] bmp(int width, int height, int bpp) {
    ByteBuffer b = ByteBuffer.allocate(54 + 64).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 'B').put((byte) 'M').putInt(54 + 64).putInt(0).putInt(54);
    b.putInt(40).putInt(width).putInt(height).putShort((short) 1).putShort((short) bpp);
    b.putInt(0).putInt(64).putInt(2835).putInt(2835).putInt(0).putInt(0);
    return b.array();
  }

  /** {@code size} zero bytes, gzip-compressed (~1000:1). */
  static byte[] gzipOfZeros(long size) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
        byte[] zeros = new byte[1 << 20];
        for (long left = size; left > 0; left -= zeros.length) {
          gz.write(zeros, 0, (int) Math.min(zeros.length, left));
        }
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
