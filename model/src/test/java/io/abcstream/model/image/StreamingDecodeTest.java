package io.abcstream.model.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link AbcPreprocessor#decodeAndPreprocess}, which streams native JPEG rows into the resampler,
 * against {@code preprocess(decode(bytes))}: same pixels, same grid, same error kinds.
 */
class StreamingDecodeTest {
  private static final ImageDecoder DECODER = ImageDecoder.defaults();
  private static final AbcPreprocessor PRE = AbcPreprocessor.defaults();

  private static void assumeStreaming() {
    assumeTrue(
        NativeJpeg.isAvailable() && ResampleEngine.VECTOR,
        "needs the native decoder and the Vector API");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "jpeg_420_q90.jpg",
        "jpeg_422_q75.jpg",
        "jpeg_444_q95.jpg",
        "jpeg_progressive.jpg",
        "jpeg_grey.jpg",
        "jpeg_odd_37x23.jpg",
        "jpeg_cmyk.jpg",
        "png_rgb.png"
      })
  void committedImagesGiveTheSameRows(String file) {
    assumeStreaming();
    byte[] data = TestImages.resource(file);
    // The native decoder streams 8-bit greyscale and YCbCr JPEGs; CMYK and other formats take the
    // full decode.
    assertStreams(file, data, file.endsWith(".jpg") && !file.contains("cmyk"));
    assertSameOutcome(file, data);
  }

  @Test
  @Timeout(120)
  void encodedImagesOfManySizesGiveTheSameRows() throws IOException {
    assumeStreaming();
    // Sizes where neither, one or both stages resize, tiny upscales, long thin images, several
    // decoder batches.
    int[][] sizes = {
      {1, 1}, {644, 476}, {640, 480}, {1932, 20}, {3, 700}, {1100, 800}, {28, 28}, {57, 3000}
    };
    Random rnd = new Random(3);
    for (int[] s : sizes) {
      BufferedImage bi = new BufferedImage(s[0], s[1], BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < s[1]; y++) {
        for (int x = 0; x < s[0]; x++) {
          int noise = rnd.nextInt(48);
          bi.setRGB(
              x, y, ((x * 7 + noise) & 255) << 16 | ((y * 3 + noise) & 255) << 8 | ((x ^ y) & 255));
        }
      }
      byte[] jpeg = NativeJpegTest.encode(bi, rnd.nextBoolean(), 0.85f);
      assertStreams(s[0] + "x" + s[1], jpeg, true);
      assertSameOutcome(s[0] + "x" + s[1], jpeg);
    }
  }

  @Test
  void truncatedJpegFailsAsAFullDecodeDoes() {
    assumeStreaming();
    byte[] data = TestImages.resource("jpeg_420_q90.jpg");
    for (int cut : new int[] {data.length - 2, data.length / 2, data.length / 5}) {
      byte[] truncated = Arrays.copyOf(data, cut);
      assertSameOutcome("cut at " + cut, truncated);
      assertThatThrownBy(() -> PRE.decodeAndPreprocess(DECODER, truncated))
          .isInstanceOfSatisfying(
              ImageException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(ImageException.Kind.UNDECODABLE_IMAGE);
                assertThat(e.getMessage()).contains("truncated");
              });
    }
  }

  @Test
  void aBrokenFileWithAnImpossibleShapeReportsTheDecodeErrorFirst() throws IOException {
    assumeStreaming();
    BufferedImage bi = new BufferedImage(2000, 8, BufferedImage.TYPE_INT_RGB); // ratio 250 > 200
    byte[] data = NativeJpegTest.encode(bi, false, 0.9f);
    assertThatThrownBy(() -> PRE.decodeAndPreprocess(DECODER, data))
        .isInstanceOfSatisfying(
            ImageException.class,
            e -> assertThat(e.kind()).isEqualTo(ImageException.Kind.UNSUPPORTED_IMAGE_SHAPE));
    byte[] truncated = Arrays.copyOf(data, data.length / 2);
    assertSameOutcome("truncated 2000x8", truncated);
    assertThatThrownBy(() -> PRE.decodeAndPreprocess(DECODER, truncated))
        .isInstanceOfSatisfying(
            ImageException.class,
            e -> assertThat(e.kind()).isEqualTo(ImageException.Kind.UNDECODABLE_IMAGE));
  }

  @Test
  @Timeout(120)
  void corruptedJpegsGiveTheSameOutcomeAsAFullDecode() {
    assumeStreaming();
    Random rnd = new Random(11);
    String[] seeds = {"jpeg_420_q90.jpg", "jpeg_progressive.jpg", "jpeg_grey.jpg"};
    for (int i = 0; i < 600; i++) {
      byte[] data = NativeJpegTest.mutate(TestImages.resource(seeds[i % seeds.length]), rnd);
      assertSameOutcome("mutation " + i, data);
    }
  }

  @Test
  void aClosedReaderRefusesToRead() {
    assumeStreaming();
    NativeJpeg.RowReader reader = DECODER.openJpegRows(TestImages.resource("jpeg_420_q90.jpg"));
    assertThat(reader).isNotNull();
    reader.close();
    reader.close();
    assertThatThrownBy(() -> reader.read(new int[reader.width()], 0, 1))
        .isInstanceOf(IllegalStateException.class);
  }

  /**
   * Whether decodeAndPreprocess takes the streaming path for {@code data}, so a comparison is not
   * vacuous.
   */
  private static void assertStreams(String what, byte[] data, boolean streams) {
    try (NativeJpeg.RowReader rows = DECODER.openJpegRows(data)) {
      assertThat(rows != null).as(what + " streams").isEqualTo(streams);
    }
  }

  private static void assertSameOutcome(String what, byte[] data) {
    assertProbedPathAgrees(what, data);
    PreprocessedImage expected = null;
    ImageException expectedError = null;
    try {
      expected = PRE.preprocess(DECODER.decode(data));
    } catch (ImageException e) {
      expectedError = e;
    }
    PreprocessedImage actual = null;
    ImageException actualError = null;
    try {
      actual = PRE.decodeAndPreprocess(DECODER, data);
    } catch (ImageException e) {
      actualError = e;
    }
    if (expectedError != null) {
      assertThat(actualError)
          .as(what + ": streaming gave an image, the full decode " + expectedError)
          .isNotNull();
      // Same kind (the DLQ class); the wording may differ where the header read fails.
      assertThat(actualError.kind())
          .as(what + ": " + actualError.getMessage() + " vs " + expectedError.getMessage())
          .isEqualTo(expectedError.kind());
      return;
    }
    assertThat(actualError).as(what).isNull();
    assertThat(actual.gridThw()).as(what).isEqualTo(expected.gridThw());
    assertThat(actual.image().rgb()).as(what).isEqualTo(expected.image().rgb());
  }

  /**
   * The streaming operator probes first (for its decode budget) and hands the probe on: that must
   * fail with the kind, or give the pixels, that probing and then decoding from scratch gives.
   */
  private static void assertProbedPathAgrees(String what, byte[] data) {
    PreprocessedImage expected = null;
    ImageException expectedError = null;
    try {
      DECODER.probe(data);
      expected = PRE.decodeAndPreprocess(DECODER, data);
    } catch (ImageException e) {
      expectedError = e;
    }
    PreprocessedImage actual = null;
    ImageException actualError = null;
    try {
      ImageProbe probe = DECODER.probe(data, ImageFormat.sniff(data));
      actual = PRE.decodeAndPreprocess(DECODER, data, probe);
    } catch (ImageException e) {
      actualError = e;
    }
    if (expectedError != null) {
      assertThat(actualError)
          .as(what + ": probed path gave an image, probe + decode " + expectedError)
          .isNotNull();
      assertThat(actualError.kind())
          .as(what + ": " + actualError.getMessage() + " vs " + expectedError.getMessage())
          .isEqualTo(expectedError.kind());
      return;
    }
    assertThat(actualError).as(what + " (probed)").isNull();
    assertThat(actual.gridThw()).as(what + " (probed)").isEqualTo(expected.gridThw());
    assertThat(actual.image().rgb()).as(what + " (probed)").isEqualTo(expected.image().rgb());
  }

  @Test
  void aProbedJpegIsSniffedOnceAndItsHeaderReadOnce() {
    assumeStreaming();
    byte[] data = TestImages.resource("jpeg_420_q90.jpg");
    long sniffs = ReadCounters.SNIFFS.sum();
    long headers = ReadCounters.HEADERS.sum();
    ImageProbe probe = DECODER.probe(data, ImageFormat.sniff(data));
    PRE.decodeAndPreprocess(DECODER, data, probe);
    assertThat(ReadCounters.SNIFFS.sum() - sniffs).isEqualTo(1);
    assertThat(ReadCounters.HEADERS.sum() - headers).isEqualTo(1);
    // The old entry point, for comparison: it sniffs and reads the header itself.
    PRE.decodeAndPreprocess(DECODER, data);
    assertThat(ReadCounters.SNIFFS.sum() - sniffs).isGreaterThan(1);
  }
}
