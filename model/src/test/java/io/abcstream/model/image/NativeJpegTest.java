package io.abcstream.model.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * The JNI libjpeg-turbo decoder: bit-identical to the Pillow goldens and to the ImageIO fallback,
 * Pillow's truncation rule, hostile input only ever gives an image or an {@link ImageException}.
 */
class NativeJpegTest {
  private static final ImageDecoder NATIVE = ImageDecoder.defaults();
  private static final ImageDecoder IMAGEIO = ImageDecoder.builder().nativeJpeg(false).build();
  private static final String[] JPEGS = {
    "jpeg_420_q90.jpg",
    "jpeg_422_q75.jpg",
    "jpeg_444_q95.jpg",
    "jpeg_progressive.jpg",
    "jpeg_grey.jpg",
    "jpeg_odd_37x23.jpg",
    "jpeg_cmyk.jpg"
  };

  private static void assumeNative() {
    assumeTrue(
        NativeJpeg.isAvailable(),
        () -> "native JPEG decoder not available: " + NativeJpeg.unavailableReason());
  }

  @Test
  void nativeDecoderIsAvailableWhenTheBuildRequiresIt() {
    // The model module's native-jpeg profile sets abc.require.native-jpeg=true for Surefire.
    if (Boolean.getBoolean("abc.require.native-jpeg")) {
      assertThat(NativeJpeg.isAvailable())
          .as("native JPEG decoder: %s", NativeJpeg.unavailableReason())
          .isTrue();
      assertThat(NativeJpeg.libraryInfo()).contains("libjpeg-turbo");
    }
    System.out.println(
        "native JPEG: "
            + (NativeJpeg.isAvailable()
                ? NativeJpeg.libraryInfo()
                : "unavailable: " + NativeJpeg.unavailableReason()));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "jpeg_420_q90.jpg",
        "jpeg_422_q75.jpg",
        "jpeg_444_q95.jpg",
        "jpeg_progressive.jpg",
        "jpeg_grey.jpg",
        "jpeg_odd_37x23.jpg"
      })
  void nativeEqualsPillowGolden(String file) {
    assumeNative();
    RgbImage img =
        NativeJpeg.decode(TestImages.resource(file), ImageDecoder.PILLOW_MAX_IMAGE_PIXELS);
    assertThat(img).as(file).isNotNull();
    byte[] golden = TestImages.resource(file + ".rgb");
    assertThat(TestImages.maxAbsDiff(img.rgb(), golden)).as(file).isZero();
    assertThat(img.rgb()).as(file).isEqualTo(golden);
    // and through ImageDecoder, which routes JPEG to the native decoder
    assertThat(NATIVE.decode(TestImages.resource(file)).packed()).isEqualTo(img.packed());
  }

  @Test
  void cmykFallsBackToImageIoAndStillMatchesPillow() {
    assumeNative();
    byte[] cmyk = TestImages.resource("jpeg_cmyk.jpg");
    assertThat(NativeJpeg.decode(cmyk, ImageDecoder.PILLOW_MAX_IMAGE_PIXELS)).isNull();
    assertThat(NATIVE.decode(cmyk).rgb()).isEqualTo(TestImages.resource("jpeg_cmyk.jpg.rgb"));
  }

  @Test
  void nativeAndImageIoPathsAgreeOnCommittedJpegs() {
    for (String file : JPEGS) {
      byte[] data = TestImages.resource(file);
      assertThat(NATIVE.decode(data).rgb()).as(file).isEqualTo(IMAGEIO.decode(data).rgb());
    }
  }

  /**
   * More shapes than the goldens hold: the JDK's encoder (4:2:0 colour, greyscale, baseline and
   * progressive) at sizes that exercise partial MCUs and row batches; the ImageIO path is the
   * Pillow-exact reference.
   */
  @Test
  @Timeout(60)
  void nativeAndImageIoPathsAgreeOnEncodedImages() throws IOException {
    assumeNative();
    int[][] sizes = {{1, 1}, {2, 3}, {7, 5}, {17, 33}, {64, 64}, {255, 129}, {1031, 67}, {3, 700}};
    Random rnd = new Random(42);
    for (int[] s : sizes) {
      for (int type : new int[] {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_BYTE_GRAY}) {
        for (boolean progressive : new boolean[] {false, true}) {
          BufferedImage bi = new BufferedImage(s[0], s[1], type);
          for (int y = 0; y < s[1]; y++) {
            for (int x = 0; x < s[0]; x++) {
              int noise = rnd.nextInt(64);
              bi.setRGB(
                  x,
                  y,
                  ((x * 3 + noise) & 255) << 16
                      | ((y * 5 + 2 * noise) & 255) << 8
                      | ((x + y + noise) & 255));
            }
          }
          byte[] jpeg = encode(bi, progressive, 0.8f);
          String what =
              s[0]
                  + "x"
                  + s[1]
                  + (type == BufferedImage.TYPE_BYTE_GRAY ? " grey" : " rgb")
                  + (progressive ? " progressive" : " baseline");
          RgbImage n = NativeJpeg.decode(jpeg, ImageDecoder.PILLOW_MAX_IMAGE_PIXELS);
          assertThat(n).as(what).isNotNull();
          assertThat(n.rgb()).as(what).isEqualTo(IMAGEIO.decode(jpeg).rgb());
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {"jpeg_420_q90.jpg", "jpeg_progressive.jpg", "jpeg_grey.jpg", "jpeg_444_q95.jpg"})
  void truncatedIsUndecodableLikePillow(String file) {
    assumeNative();
    byte[] full = TestImages.resource(file);
    // Pillow 9.4 raises "image file is truncated" for every cut after the first SOS header,
    // including a
    // file that lacks only its EOI marker (libjpeg reads ahead past the last MCU).
    int sosEnd = firstSosEnd(full);
    for (int cut = sosEnd; cut < full.length; cut += Math.max(1, (full.length - sosEnd) / 97)) {
      byte[] part = Arrays.copyOf(full, cut);
      assertKind(
          () -> NativeJpeg.decode(part, ImageDecoder.PILLOW_MAX_IMAGE_PIXELS),
          ImageException.Kind.UNDECODABLE_IMAGE,
          "truncated");
    }
    for (int cut : new int[] {full.length / 2, full.length - 2, full.length - 1}) {
      byte[] part = Arrays.copyOf(full, cut);
      assertKind(() -> NATIVE.decode(part), ImageException.Kind.UNDECODABLE_IMAGE, "truncated");
    }
  }

  @Test
  void garbageAfterSoiIsUndecodable() {
    Random rnd = new Random(7);
    for (int i = 0; i < 20; i++) {
      byte[] junk = new byte[64 + rnd.nextInt(4000)];
      rnd.nextBytes(junk);
      junk[0] = (byte) 0xFF;
      junk[1] = (byte) 0xD8;
      junk[2] = (byte) 0xFF;
      assertKind(() -> NATIVE.decode(junk), ImageException.Kind.UNDECODABLE_IMAGE, "JPEG");
      if (NativeJpeg.isAvailable()) {
        // straight into the native decoder, without ImageDecoder's header checks
        assertThatThrownBy(() -> NativeJpeg.decode(junk, 1 << 22))
            .isInstanceOf(ImageException.class)
            .extracting(e -> ((ImageException) e).kind())
            .isEqualTo(ImageException.Kind.UNDECODABLE_IMAGE);
      }
    }
  }

  @Test
  void extraneousBytesBetweenMarkersAreOnlyAWarning() {
    assumeNative();
    byte[] jpeg = TestImages.resource("jpeg_420_q90.jpg");
    int app0End = 4 + (((jpeg[4] & 0xFF) << 8) | (jpeg[5] & 0xFF));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, app0End);
    out.writeBytes(new byte[] {0, 1, 2});
    out.write(jpeg, app0End, jpeg.length - app0End);
    // Pillow decodes this to the same pixels (checked with Pillow 9.4).
    RgbImage img = NativeJpeg.decode(out.toByteArray(), ImageDecoder.PILLOW_MAX_IMAGE_PIXELS);
    assertThat(img.rgb()).isEqualTo(TestImages.resource("jpeg_420_q90.jpg.rgb"));
  }

  @Test
  void nativeSideChecksThePixelLimit() {
    assumeNative();
    byte[] jpeg = TestImages.resource("jpeg_420_q90.jpg"); // 160 x 120
    assertKind(
        () -> NativeJpeg.decode(jpeg, 160 * 120 - 1), ImageException.Kind.IMAGE_TOO_LARGE, "limit");
    assertThat(NativeJpeg.decode(jpeg, 160 * 120).width()).isEqualTo(160);
    // a 65000 x 65000 header: rejected before any allocation
    byte[] bomb = jpeg.clone();
    int sof = indexOfSof(bomb);
    bomb[sof + 5] = (byte) 0xFD;
    bomb[sof + 6] = (byte) 0xE8;
    bomb[sof + 7] = (byte) 0xFD;
    bomb[sof + 8] = (byte) 0xE8;
    assertKind(
        () -> NativeJpeg.decode(bomb, Integer.MAX_VALUE / 4),
        ImageException.Kind.IMAGE_TOO_LARGE,
        "65000x65000");
  }

  /**
   * Flipped bytes, truncations, inserted and deleted runs: only ever an image or an ImageException.
   */
  @Test
  @Timeout(120)
  void randomCorruptionNeverCrashes() {
    Random rnd = new Random(20240601L);
    byte[][] seeds = {
      TestImages.resource("jpeg_420_q90.jpg"),
      TestImages.resource("jpeg_progressive.jpg"),
      TestImages.resource("jpeg_grey.jpg"),
      TestImages.resource("jpeg_444_q95.jpg")
    };
    ImageDecoder small = ImageDecoder.builder().maxPixels(1 << 22).build();
    int images = 0;
    int errors = 0;
    for (int i = 0; i < 2000; i++) {
      byte[] data = mutate(seeds[i % seeds.length], rnd);
      for (int route = 0; route < 2; route++) {
        try {
          RgbImage img =
              route == 0
                  ? small.decode(data)
                  : NativeJpeg.isAvailable() ? NativeJpeg.decode(data, 1 << 22) : null;
          if (img != null) {
            assertThat(img.packed()).hasSize(img.width() * img.height());
            images++;
          }
        } catch (ImageException e) {
          assertThat(e.getMessage()).isNotBlank();
          errors++;
        }
      }
    }
    System.out.printf("corruption fuzz: %d images, %d ImageExceptions%n", images, errors);
    assertThat(images + errors).isGreaterThanOrEqualTo(2000);
  }

  @Test
  @Timeout(60)
  void concurrentDecodesAreIndependent() throws Exception {
    assumeNative();
    List<byte[]> inputs = new ArrayList<>();
    List<byte[]> expected = new ArrayList<>();
    for (String f : JPEGS) {
      inputs.add(TestImages.resource(f));
      expected.add(TestImages.resource(f + ".rgb"));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int offset = t;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 100; i++) {
                    int k = (i + offset) % inputs.size();
                    assertThat(NATIVE.decode(inputs.get(k)).rgb()).isEqualTo(expected.get(k));
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Flink loads user code once per job: each class loader must get (and load) its own copy of the
   * library.
   */
  @Test
  void loadsInSeveralClassLoadersOfOneJvm() throws Exception {
    assumeNative();
    URL[] urls = {
      NativeJpeg.class.getProtectionDomain().getCodeSource().getLocation(),
      LoggerFactory.class.getProtectionDomain().getCodeSource().getLocation()
    };
    byte[] jpeg = TestImages.resource("jpeg_420_q90.jpg");
    for (int i = 0; i < 2; i++) {
      try (URLClassLoader loader = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader())) {
        Class<?> nativeJpeg = Class.forName(NativeJpeg.class.getName(), true, loader);
        assertThat(nativeJpeg).isNotSameAs(NativeJpeg.class);
        assertThat(nativeJpeg.getMethod("isAvailable").invoke(null))
            .as("%s", nativeJpeg.getMethod("unavailableReason").invoke(null))
            .isEqualTo(true);
        Method decode = nativeJpeg.getDeclaredMethod("decode", byte[].class, long.class);
        decode.setAccessible(true);
        Object img = decode.invoke(null, jpeg, 1L << 20);
        assertThat((byte[]) img.getClass().getMethod("rgb").invoke(img))
            .isEqualTo(TestImages.resource("jpeg_420_q90.jpg.rgb"));
      }
    }
  }

  static byte[] mutate(byte[] seed, Random rnd) {
    byte[] d = seed.clone();
    switch (rnd.nextInt(5)) {
      case 0:
        { // flip a few bytes anywhere after SOI
          int n = 1 + rnd.nextInt(8);
          for (int k = 0; k < n; k++) {
            d[2 + rnd.nextInt(d.length - 2)] ^= (byte) (1 + rnd.nextInt(255));
          }
          return d;
        }
      case 1: // truncate
        return Arrays.copyOf(d, 3 + rnd.nextInt(d.length - 3));
      case 2:
        { // flip bytes, then truncate
          int n = 1 + rnd.nextInt(4);
          for (int k = 0; k < n; k++) {
            d[2 + rnd.nextInt(d.length - 2)] = (byte) rnd.nextInt(256);
          }
          return Arrays.copyOf(d, 3 + rnd.nextInt(d.length - 3));
        }
      case 3:
        { // overwrite a run with random bytes (headers and tables included)
          int at = 2 + rnd.nextInt(Math.min(700, d.length - 2));
          int len = Math.min(1 + rnd.nextInt(32), d.length - at);
          for (int k = 0; k < len; k++) {
            d[at + k] = (byte) rnd.nextInt(256);
          }
          return d;
        }
      default:
        { // delete or duplicate a run
          int at = 2 + rnd.nextInt(d.length - 2);
          int len = Math.min(1 + rnd.nextInt(64), d.length - at);
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          out.write(d, 0, at);
          if (rnd.nextBoolean()) {
            out.write(d, at, len);
            out.write(d, at, d.length - at);
          } else {
            out.write(d, at + len, d.length - at - len);
          }
          return out.toByteArray();
        }
    }
  }

  static byte[] encode(BufferedImage img, boolean progressive, float quality) throws IOException {
    Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("jpeg");
    ImageWriter writer = null;
    while (it.hasNext()) {
      ImageWriter w = it.next();
      if (writer == null || w.getClass().getName().startsWith("com.sun.imageio.")) {
        writer = w;
      }
    }
    ImageWriteParam param = writer.getDefaultWriteParam();
    if (progressive) {
      param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
    } else {
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(quality);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      writer.write(null, new IIOImage(img, null, null), param);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }

  private static int firstSosEnd(byte[] jpeg) {
    for (int i = 2; i + 3 < jpeg.length; i++) {
      if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xDA) {
        return i + 2 + (((jpeg[i + 2] & 0xFF) << 8) | (jpeg[i + 3] & 0xFF));
      }
    }
    throw new IllegalStateException("no SOS");
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
      ThrowableAssert.ThrowingCallable call, ImageException.Kind kind, String messagePart) {
    assertThatThrownBy(call)
        .isInstanceOf(ImageException.class)
        .hasMessageContaining(messagePart)
        .extracting(e -> ((ImageException) e).kind())
        .isEqualTo(kind);
  }
}
