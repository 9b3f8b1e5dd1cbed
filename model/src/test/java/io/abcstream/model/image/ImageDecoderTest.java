package io.abcstream.model.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ImageDecoderTest {
  private static final ImageDecoder DECODER = ImageDecoder.defaults();

  /**
   * Max per-sample difference accepted for JPEG vs Pillow/libjpeg-turbo. Measured 0 on all
   * committed JPEGs (baseline 4:2:0, 4:2:2, 4:4:4, progressive, greyscale, CMYK): the JDK's libjpeg
   * uses the same ISLOW IDCT and fancy upsampling, and the colour conversion here uses libjpeg's
   * tables.
   */
  private static final int JPEG_TOLERANCE = 0;

  static Stream<Arguments> cases() throws IOException {
    JsonNode root = new ObjectMapper().readTree(TestImages.resource("decode_cases.json"));
    List<Arguments> out = new ArrayList<>();
    for (JsonNode c : root.get("cases")) {
      out.add(
          Arguments.of(
              c.get("file").asText(),
              c.get("mode").asText(),
              c.get("width").asInt(),
              c.get("height").asInt(),
              c.get("exactness").asText()));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} (PIL mode {1})")
  @MethodSource("cases")
  void decodesLikePillowConvertRgb(
      String file, String mode, int width, int height, String exactness) {
    RgbImage img = DECODER.decode(TestImages.resource(file));
    byte[] expected = TestImages.resource(file + ".rgb");
    assertThat(img.width()).isEqualTo(width);
    assertThat(img.height()).isEqualTo(height);
    int diff = TestImages.maxAbsDiff(img.rgb(), expected);
    long sum = 0;
    for (int i = 0; i < expected.length; i++) {
      sum += Math.abs((img.rgb()[i] & 0xFF) - (expected[i] & 0xFF));
    }
    System.out.printf(
        "decode %-28s PIL mode %-5s max |diff| vs Pillow = %d, mean |diff| = %.4f%n",
        file, mode, diff, (double) sum / expected.length);
    switch (exactness) {
      case "exact":
        assertThat(img.rgb()).isEqualTo(expected);
        break;
      case "jpeg":
        assertThat(diff).isLessThanOrEqualTo(JPEG_TOLERANCE);
        break;
      default: // lossy WebP: TwelveMonkeys' VP8 decoder vs libwebp, measured and bounded
        assertThat(diff).isLessThanOrEqualTo(LOSSY_WEBP_TOLERANCE);
    }
  }

  /** Measured bound for lossy WebP (TwelveMonkeys VP8 decoder + its YUV→RGB vs libwebp's). */
  private static final int LOSSY_WEBP_TOLERANCE = 96;

  @Test
  void zeroBytes() {
    assertKind(
        () -> DECODER.decode(new byte[0]), ImageException.Kind.UNDECODABLE_IMAGE, "zero bytes");
    assertKind(() -> DECODER.decode(null), ImageException.Kind.UNDECODABLE_IMAGE, "zero bytes");
  }

  @Test
  void notAnImage() {
    byte[] text = "<html><body>not an image</body></html>".getBytes(StandardCharsets.UTF_8);
    assertKind(
        () -> DECODER.decode(text),
        ImageException.Kind.UNDECODABLE_IMAGE,
        "not a supported image format");
  }

  @Test
  void corruptBodyAfterValidSignature() {
    byte[] jpeg = TestImages.resource("jpeg_420_q90.jpg");
    byte[] bad = Arrays.copyOf(jpeg, 40);
    assertKind(() -> DECODER.decode(bad), ImageException.Kind.UNDECODABLE_IMAGE, "JPEG");
    byte[] png = Arrays.copyOf(TestImages.resource("png_rgb.png"), 8);
    assertKind(() -> DECODER.decode(png), ImageException.Kind.UNDECODABLE_IMAGE, "PNG");
  }

  @Test
  @Timeout(20)
  void truncatedFilesAreErrors() {
    for (String f :
        List.of(
            "jpeg_420_q90.jpg",
            "jpeg_progressive.jpg",
            "png_rgb.png",
            "webp_lossless.webp",
            "gif_anim.gif",
            "tiff_rgb_lzw.tif",
            "bmp_rgb.bmp")) {
      byte[] full = TestImages.resource(f);
      byte[] half = Arrays.copyOf(full, full.length / 2);
      assertThatThrownBy(() -> DECODER.decode(half))
          .as(f)
          .isInstanceOf(ImageException.class)
          .extracting(e -> ((ImageException) e).kind())
          .isEqualTo(ImageException.Kind.UNDECODABLE_IMAGE);
    }
  }

  @Test
  @Timeout(10)
  void pngDecompressionBombRejectedFromHeader() {
    byte[] bomb = TestImages.resource("bomb_png_100000x100000.png");
    assertThat(bomb.length).isLessThan(200);
    assertKind(() -> DECODER.decode(bomb), ImageException.Kind.IMAGE_TOO_LARGE, "100000x100000");
  }

  @Test
  @Timeout(10)
  void jpegDecompressionBombRejectedFromHeader() {
    byte[] jpeg = TestImages.resource("jpeg_420_q90.jpg").clone();
    int sof = indexOfSof(jpeg);
    // SOF payload: length(2) precision(1) height(2) width(2)
    jpeg[sof + 5] = (byte) 0xFD;
    jpeg[sof + 6] = (byte) 0xE8;
    jpeg[sof + 7] = (byte) 0xFD;
    jpeg[sof + 8] = (byte) 0xE8;
    assertKind(() -> DECODER.decode(jpeg), ImageException.Kind.IMAGE_TOO_LARGE, "65000x65000");
  }

  @Test
  @Timeout(10)
  void jpegWithThousandsOfScansIsRejectedBeforeDecoding() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0xFF);
    out.write(0xD8);
    for (int i = 0; i < 3000; i++) {
      // SOS header for one component, spectral selection 0..0: a tiny, endlessly refined scan.
      out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xDA, 0, 8, 1, 1, 0, 0, 0, 0});
    }
    byte[] scans = out.toByteArray();
    assertKind(() -> DECODER.decode(scans), ImageException.Kind.IMAGE_TOO_LARGE, "scans");
    // A real JPEG is far below the limit.
    assertThat(DECODER.decode(TestImages.resource("jpeg_420_q90.jpg")).width()).isEqualTo(160);
  }

  @Test
  @Timeout(10)
  void gifBombRejectedFromHeader() {
    // GIF89a, logical screen 65535x65535, no colour table, one 65535x65535 frame with a 3-byte LZW
    // body
    byte[] gif = {
      'G',
      'I',
      'F',
      '8',
      '9',
      'a',
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF,
      0,
      0,
      0,
      0x2C,
      0,
      0,
      0,
      0,
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF,
      0,
      2,
      2,
      0x4C,
      0x01,
      0,
      0x3B
    };
    assertKind(() -> DECODER.decode(gif), ImageException.Kind.IMAGE_TOO_LARGE, "65535x65535");
    // a small frame on a huge logical screen: Pillow sizes by the screen, so this is a bomb too
    byte[] screenOnly = gif.clone();
    screenOnly[18] = 1;
    screenOnly[19] = 0;
    screenOnly[20] = 1;
    screenOnly[21] = 0;
    assertKind(
        () -> DECODER.decode(screenOnly), ImageException.Kind.IMAGE_TOO_LARGE, "65535x65535");
  }

  @Test
  void pixelLimitIsConfigurableAndStrict() {
    byte[] png = TestImages.resource("png_rgb.png"); // 37 x 23 = 851
    assertThat(ImageDecoder.builder().maxPixels(851).build().decode(png).width()).isEqualTo(37);
    assertKind(
        () -> ImageDecoder.builder().maxPixels(850).build().decode(png),
        ImageException.Kind.IMAGE_TOO_LARGE,
        "851 pixels");
    assertThat(DECODER.maxPixels()).isEqualTo(89_478_485L);
  }

  @Test
  void byteLimit() {
    byte[] png = TestImages.resource("png_rgb.png");
    assertKind(
        () -> ImageDecoder.builder().maxBytes(png.length - 1).build().decode(png),
        ImageException.Kind.IMAGE_TOO_LARGE,
        "bytes");
  }

  @Test
  void builderRejectsNonsense() {
    assertThatThrownBy(() -> ImageDecoder.builder().maxPixels(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ImageDecoder.builder().maxBytes(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void probeReadsHeaderOnly() {
    ImageProbe jpeg = DECODER.probe(TestImages.resource("jpeg_420_q90.jpg"));
    assertThat(List.of(jpeg.format(), jpeg.width(), jpeg.height()))
        .isEqualTo(List.of(ImageFormat.JPEG, 160, 120));
    // baseline: no coefficient buffers; a whole decode holds packed ints and RGB
    assertThat(jpeg.decodeBytes()).isBetween(160L * 120 * 7, 160L * 120 * 7 + (2 << 20));
    assertThat(jpeg.streamedBytes()).isLessThanOrEqualTo(jpeg.decodeBytes());
    assertThat(DECODER.probe(TestImages.resource("jpeg_420_q90.jpg")).size())
        .isEqualTo(new SmartResize.Size(120, 160));
    assertKind(
        () -> DECODER.probe(TestImages.resource("bomb_png_100000x100000.png")),
        ImageException.Kind.IMAGE_TOO_LARGE,
        "limit");
  }

  @Test
  void sniffing() {
    assertThat(ImageFormat.sniff(TestImages.resource("webp_lossless.webp")))
        .isEqualTo(ImageFormat.WEBP);
    assertThat(ImageFormat.sniff(TestImages.resource("tiff_rgb.tif"))).isEqualTo(ImageFormat.TIFF);
    assertThat(ImageFormat.sniff(TestImages.resource("bmp_rgb.bmp"))).isEqualTo(ImageFormat.BMP);
    assertThat(ImageFormat.sniff(new byte[] {1, 2, 3})).isNull();
  }

  @Test
  void hugeHeaderPngWithSmallPixelBudgetIsStillRejectedQuickly() {
    // A header within the pixel limit but a body far too short: decoding must fail, not hang.
    byte[] png = pngWithHeader(3000, 3000, new byte[100]);
    assertKind(() -> DECODER.decode(png), ImageException.Kind.UNDECODABLE_IMAGE, "PNG");
  }

  private static byte[] pngWithHeader(int w, int h, byte[] rawBody) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
    byte[] ihdr = {
      (byte) (w >>> 24),
      (byte) (w >>> 16),
      (byte) (w >>> 8),
      (byte) w,
      (byte) (h >>> 24),
      (byte) (h >>> 16),
      (byte) (h >>> 8),
      (byte) h,
      8,
      2,
      0,
      0,
      0
    };
    chunk(out, "IHDR", ihdr);
    Deflater d = new Deflater();
    d.setInput(rawBody);
    d.finish();
    byte[] buf = new byte[1024];
    int n = d.deflate(buf);
    chunk(out, "IDAT", Arrays.copyOf(buf, n));
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    int len = data.length;
    out.writeBytes(
        new byte[] {(byte) (len >>> 24), (byte) (len >>> 16), (byte) (len >>> 8), (byte) len});
    out.writeBytes(t);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    long c = crc.getValue();
    out.writeBytes(new byte[] {(byte) (c >>> 24), (byte) (c >>> 16), (byte) (c >>> 8), (byte) c});
  }

  private static int indexOfSof(byte[] jpeg) {
    for (int i = 2; i + 1 < jpeg.length; i++) {
      if ((jpeg[i] & 0xFF) == 0xFF
          && ((jpeg[i + 1] & 0xFF) == 0xC0 || (jpeg[i + 1] & 0xFF) == 0xC2)) {
        return i;
      }
    }
    throw new IllegalStateException("no SOF");
  }

  private static void assertKind(
      ThrowingCallable call, ImageException.Kind kind, String messagePart) {
    assertThatThrownBy(call)
        .isInstanceOf(ImageException.class)
        .hasMessageContaining(messagePart)
        .extracting(e -> ((ImageException) e).kind())
        .isEqualTo(kind);
  }
}
