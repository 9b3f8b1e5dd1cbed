package io.abcstream.model.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.sun.management.ThreadMXBean;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Tiny files whose headers declare far more decode memory than their pixel count suggests: each is
 * refused from its header (IMAGE_TOO_LARGE) with a few MB allocated, measured per thread.
 */
class DecodeMemoryBombTest {

  /** What probing and refusing one bomb may allocate on the heap (the reader, the header). */
  static final long ALLOCATION_BOUND = 8L << 20;

  private static final ImageDecoder DECODER = ImageDecoder.defaults();
  private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** TIFF, 415×415, 5000 samples of 8 bits per pixel, uncompressed strip of 1 KB: 861 MB raster. */
  static byte[] tiffSampleBomb() {
    return tiff(415, 415, 5000, 1024);
  }

  /** GIF, logical screen 65535×1365 (just under the pixel limit), one 1×1 frame: 35 bytes. */
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
      0x05,
      (byte) 0x80,
      0,
      0,
      // global colour table: 2 entries
      0,
      0,
      0,
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF,
      // image descriptor: at 0,0, 1×1, then LZW minimum code size 2, one 2-byte block, trailer
      0x2C,
      0,
      0,
      0,
      0,
      1,
      0,
      1,
      0,
      0,
      2,
      2,
      0x4C,
      0x01,
      0,
      0x3B
    };
  }

  /** PNG, 9459×9459 16-bit RGBA (89.47 megapixels, 8 bytes each before conversion). */
  static byte[] png16RgbaBomb() {
    return png(9459, 9459, 16, 6);
  }

  /**
   * Progressive 4:2:0 JPEG declaring 9000×9000 (81 megapixels): libjpeg's coefficient buffers alone
   * are 243 MB. A real JPEG's SOF0 made SOF2, with its size patched.
   */
  static byte[] progressiveJpegBomb() {
    byte[] jpeg = TestImages.resource("jpeg_420_q90.jpg").clone();
    int sof = indexOf(jpeg, (byte) 0xC0);
    jpeg[sof] = (byte) 0xC2;
    // SOF payload after the marker: length(2) precision(1) height(2) width(2)
    jpeg[sof + 4] = 0x23;
    jpeg[sof + 5] = 0x28;
    jpeg[sof + 6] = 0x23;
    jpeg[sof + 7] = 0x28;
    return jpeg;
  }

  @Test
  @Timeout(10)
  void aTiffWithThousandsOfSamplesPerPixelIsRefusedFromItsHeader() {
    assertRefusedCheaply(tiffSampleBomb(), "decode-memory limit");
  }

  @Test
  @Timeout(10)
  void aGifWhoseLogicalScreenDwarfsItsFrameIsRefusedFromItsHeader() {
    byte[] gif = gifScreenBomb();
    assertThat(gif.length).isEqualTo(35);
    assertRefusedCheaply(gif, "decode-memory limit");
  }

  @Test
  @Timeout(10)
  void a16BitRgbaPngNearThePixelLimitIsRefusedFromItsHeader() {
    assertRefusedCheaply(png16RgbaBomb(), "decode-memory limit");
  }

  @Test
  @Timeout(10)
  void aProgressiveJpegWhoseCoefficientBuffersExceedTheLimitIsRefusedFromItsHeader() {
    byte[] jpeg = progressiveJpegBomb();
    assertRefusedCheaply(jpeg, "decode-memory limit");
    // the same size as a baseline JPEG streams its rows: its probe fits (only the row streaming
    // path is that cheap)
    byte[] baseline = jpeg.clone();
    baseline[indexOf(baseline, (byte) 0xC2)] = (byte) 0xC0;
    if (DECODER.streamsJpegRows()) {
      assertThat(DECODER.probe(baseline).streamedBytes()).isLessThan(4L << 20);
    }
    assertThat(DECODER.probe(baseline).decodeBytes()).isGreaterThan(81_000_000L * 7);
  }

  @Test
  void theLimitIsTheDecodersAndAnImageWithinItDecodes() {
    byte[] png = TestImages.resource("png_rgb.png"); // 37 × 23, 8-bit RGB
    ImageProbe probe = DECODER.probe(png);
    assertThat(probe.decodeBytes()).isLessThan(2L << 20);
    assertThat(DECODER.decode(png).width()).isEqualTo(37);
    assertThat(DECODER.maxDecodeBytes()).isEqualTo(192L << 20);
    // a 2000×2000 16-bit RGBA PNG needs 44 MB: within the default, over a 32 MiB limit
    byte[] big = png(2000, 2000, 16, 6);
    assertThat(DECODER.probe(big).decodeBytes()).isBetween(44_000_000L, 47_000_000L);
    ImageDecoder tight = ImageDecoder.builder().maxDecodeBytes(32L << 20).build();
    assertThatThrownBy(() -> tight.probe(big))
        .isInstanceOfSatisfying(
            ImageException.class,
            e -> assertThat(e.kind()).isEqualTo(ImageException.Kind.IMAGE_TOO_LARGE));
    assertThatThrownBy(() -> ImageDecoder.builder().maxDecodeBytes(1000))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @Timeout(10)
  void aTiffWithMoreSamplesThanPillowReadsIsUndecodable() {
    // 1×1, 7 samples: tiny, but Pillow 9.4 refuses SamplesPerPixel > 6 at open
    byte[] tiff = tiff(1, 1, 7, 7);
    assertThatThrownBy(() -> DECODER.decode(tiff))
        .isInstanceOfSatisfying(
            ImageException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(ImageException.Kind.UNDECODABLE_IMAGE);
              assertThat(e.getMessage()).contains("samples per pixel");
            });
  }

  @Test
  void libjpegsOwnAllocationsAreCappedForAProgressiveJpeg() throws Exception {
    assumeThat(NativeJpeg.isAvailable()).isTrue();
    byte[] progressive = progressiveJpeg(1024, 1024);
    // 4:2:0 coefficients of 1024×1024: 3 MB; the estimate says so
    ImageProbe probe = DECODER.probe(progressive);
    assertThat(probe.streamedBytes()).isGreaterThan(3L << 20);
    // libjpeg itself, bypassing the header check, refuses above a 2 MiB cap...
    assertThatThrownBy(() -> NativeJpeg.decode(progressive, 1 << 22, 2L << 20))
        .isInstanceOfSatisfying(
            ImageException.class,
            e -> assertThat(e.kind()).isEqualTo(ImageException.Kind.IMAGE_TOO_LARGE));
    // ...and decodes the same bytes under a larger one, as before
    RgbImage img = NativeJpeg.decode(progressive, 1 << 22, 64L << 20);
    assertThat(img.width()).isEqualTo(1024);
    ImageDecoder tight = ImageDecoder.builder().maxDecodeBytes(2L << 20).build();
    assertThatThrownBy(() -> tight.probe(progressive))
        .isInstanceOfSatisfying(
            ImageException.class,
            e -> assertThat(e.kind()).isEqualTo(ImageException.Kind.IMAGE_TOO_LARGE));
  }

  /**
   * Probe and decode both refuse with IMAGE_TOO_LARGE, fast, allocating less than {@link
   * #ALLOCATION_BOUND} on this thread (ThreadMXBean counts every heap allocation, so the figure is
   * deterministic).
   */
  private static void assertRefusedCheaply(byte[] bomb, String message) {
    assertThat(bomb.length).isLessThan(32 * 1024);
    // warm up the reader classes so their one-time loading is not counted
    DECODER.probe(TestImages.resource("png_rgb.png"));
    long tid = Thread.currentThread().getId();
    long start = System.nanoTime();
    long before = THREADS.getThreadAllocatedBytes(tid);
    assertThatThrownBy(() -> DECODER.decode(bomb))
        .isInstanceOfSatisfying(
            ImageException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(ImageException.Kind.IMAGE_TOO_LARGE);
              assertThat(e.getMessage()).contains(message);
            });
    long allocated = THREADS.getThreadAllocatedBytes(tid) - before;
    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.printf(
        "bomb %s: IMAGE_TOO_LARGE, %d bytes allocated, %d ms%n",
        ImageFormat.sniff(bomb), allocated, millis);
    assertThat(allocated).isLessThan(ALLOCATION_BOUND);
    assertThatThrownBy(() -> DECODER.probe(bomb))
        .isInstanceOfSatisfying(
            ImageException.class,
            e -> assertThat(e.kind()).isEqualTo(ImageException.Kind.IMAGE_TOO_LARGE));
  }

  static byte[] tiff(int width, int height, int samples, int dataBytes) {
    int entries = 10;
    int ifd = 8;
    int bitsAt = ifd + 2 + entries * 12 + 4;
    int dataAt = bitsAt + 2 * samples;
    ByteBuffer b = ByteBuffer.allocate(dataAt + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(ifd);
    b.putShort((short) entries);
    entry(b, 256, 4, 1, width); // ImageWidth
    entry(b, 257, 4, 1, height); // ImageLength
    entry(b, 258, 3, samples, samples == 1 ? 8 : bitsAt); // BitsPerSample
    entry(b, 259, 3, 1, 1); // Compression: none
    entry(b, 262, 3, 1, 1); // Photometric: min-is-black
    entry(b, 273, 4, 1, dataAt); // StripOffsets
    entry(b, 277, 3, 1, samples); // SamplesPerPixel
    entry(b, 278, 4, 1, height); // RowsPerStrip
    entry(b, 279, 4, 1, (int) Math.min(Integer.MAX_VALUE, (long) width * height * samples));
    entry(b, 284, 3, 1, 1); // PlanarConfiguration: chunky
    b.putInt(0);
    for (int i = 0; i < samples; i++) {
      b.putShort((short) 8);
    }
    return b.array();
  }

  private static void entry(ByteBuffer b, int tag, int type, int count, int value) {
    b.putShort((short) tag).putShort((short) type).putInt(count);
    if (type == 3 && count == 1) {
      b.putShort((short) value).putShort((short) 0);
    } else {
      b.putInt(value);
    }
  }

  /** A PNG with this header and a short, valid zlib stream of zero rows. */
  static byte[] png(int width, int height, int bitDepth, int colorType) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
    ByteBuffer ihdr = ByteBuffer.allocate(13);
    ihdr.putInt(width).putInt(height).put((byte) bitDepth).put((byte) colorType);
    ihdr.put((byte) 0).put((byte) 0).put((byte) 0);
    chunk(out, "IHDR", ihdr.array());
    Deflater d = new Deflater(9);
    d.setInput(new byte[4096]);
    d.finish();
    byte[] buf = new byte[4096];
    int n = d.deflate(buf);
    byte[] idat = new byte[n];
    System.arraycopy(buf, 0, idat, 0, n);
    chunk(out, "IDAT", idat);
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    ByteBuffer len = ByteBuffer.allocate(4).putInt(data.length);
    out.writeBytes(len.array());
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    out.writeBytes(t);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  /** A progressive JPEG of a gradient, written by the JDK's encoder. */
  static byte[] progressiveJpeg(int width, int height) throws Exception {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        img.setRGB(x, y, (x & 0xFF) << 16 | (y & 0xFF) << 8 | ((x + y) & 0xFF));
      }
    }
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
      writer.write(null, new IIOImage(img, null, null), param);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }

  private static int indexOf(byte[] d, byte marker) {
    for (int i = 2; i + 1 < d.length; i++) {
      if (d[i] == (byte) 0xFF && d[i + 1] == marker) {
        return i + 1;
      }
    }
    throw new AssertionError("no marker " + marker);
  }
}
