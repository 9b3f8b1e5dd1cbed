package io.abcstream.model.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The one sniffer, shared by the fetcher and the decoder: magic bytes as Pillow recognises them.
 */
class ImageFormatTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "ffd8ffe000104a464946, JPEG",
    "ffd8ffdb, JPEG",
    "89504e470d0a1a0a0000000d, PNG",
    "474946383761, GIF",
    "474946383961, GIF",
    "474946383861, UNKNOWN",
    "524946462400000057454250565038, WEBP",
    "524946462400000057415645666d74, UNKNOWN",
    // Pillow's BmpImagePlugin checks "BM" only; the reserved words may hold anything.
    "424d3a0000000000000036000000, BMP",
    "424d3a0000000100000036000000, BMP",
    "424d3a00, UNKNOWN",
    "49492a00, TIFF",
    "4d4d002a, TIFF",
    "49492b00, UNKNOWN",
    "3c68746d6c3e, UNKNOWN",
    "ffd8, UNKNOWN",
    "'', UNKNOWN",
    "89504e47, UNKNOWN",
  })
  void sniffsMagicBytes(String hex, String expected) {
    ImageFormat want = expected.equals("UNKNOWN") ? null : ImageFormat.valueOf(expected);
    assertThat(ImageFormat.sniff(HexFormat.of().parseHex(hex))).isEqualTo(want);
  }

  @Test
  void nullIsNoFormat() {
    assertThat(ImageFormat.sniff(null)).isNull();
  }

  @Test
  void aBmpWithNonZeroReservedHeaderBytesDecodesAsWithZeroOnes() {
    byte[] bmp = TestImages.resource("bmp_rgb.bmp");
    byte[] reserved = Arrays.copyOf(bmp, bmp.length);
    reserved[6] = 0x12;
    reserved[7] = 0x34;
    reserved[8] = 0x56;
    reserved[9] = 0x78;
    assertThat(ImageFormat.sniff(reserved)).isEqualTo(ImageFormat.BMP);
    RgbImage expected = ImageDecoder.defaults().decode(bmp);
    RgbImage actual = ImageDecoder.defaults().decode(reserved);
    assertThat(actual.width()).isEqualTo(expected.width());
    assertThat(actual.height()).isEqualTo(expected.height());
    assertThat(actual.rgb()).isEqualTo(expected.rgb());
  }
}
