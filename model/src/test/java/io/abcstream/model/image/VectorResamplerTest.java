package io.abcstream.model.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The vectorised resampler against the portable one (itself checked against Pillow in
 * PillowResamplerTest).
 */
class VectorResamplerTest {

  @Test
  void theTestJvmRunsTheVectorEngine() {
    // surefire passes --add-modules jdk.incubator.vector; without it every test here would compare
    // scalar
    // with scalar and the fast path would ship untested.
    assertThat(ResampleEngine.VECTOR).isTrue();
  }

  @ParameterizedTest(name = "{0}x{1} -> {2}x{3}")
  @CsvSource({
    "1, 1, 448, 448",
    "1, 1, 1, 5",
    "3, 2, 17, 33",
    "15, 15, 16, 16",
    "16, 16, 15, 15",
    "17, 17, 33, 31",
    "4000, 3, 4004, 3",
    "4000, 3, 1008, 2",
    "33, 2000, 31, 2004",
    "640, 480, 644, 476",
    "1932, 20, 1176, 12",
    "200, 1, 28, 1",
    "7, 300, 100, 9",
    "1000, 40, 1008, 28",
    "257, 129, 64, 513",
    "100, 100, 100, 37",
    "100, 100, 37, 100",
    "1025, 7, 1023, 7"
  })
  void equalsThePortableResampler(int iw, int ih, int ow, int oh) {
    for (long seed = 0; seed < 3; seed++) {
      RgbImage in = noise(iw, ih, seed);
      RgbImage expected = PillowResampler.resizeScalar(in, ow, oh, PillowResampler.Filter.BICUBIC);
      assertThat(VectorResampler.resize(in, ow, oh, PillowResampler.Filter.BICUBIC).rgb())
          .as("seed %d", seed)
          .isEqualTo(expected.rgb());
      RgbImage interleavedOnly = new RgbImage(iw, ih, in.rgb().clone());
      assertThat(
              VectorResampler.resize(interleavedOnly, ow, oh, PillowResampler.Filter.BICUBIC).rgb())
          .as("interleaved input, seed %d", seed)
          .isEqualTo(expected.rgb());
      RgbImage bilinear = PillowResampler.resizeScalar(in, ow, oh, PillowResampler.Filter.BILINEAR);
      assertThat(VectorResampler.resize(in, ow, oh, PillowResampler.Filter.BILINEAR).rgb())
          .isEqualTo(bilinear.rgb());
    }
  }

  @Test
  void randomSizesAndChains() {
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < 300; i++) {
      int iw = 1 + random.nextInt(random.nextBoolean() ? 40 : 700);
      int ih = 1 + random.nextInt(random.nextBoolean() ? 40 : 300);
      int w1 = 1 + random.nextInt(2 * iw + 20);
      int h1 = 1 + random.nextInt(2 * ih + 20);
      int w2 = 1 + random.nextInt(2 * w1 + 20);
      int h2 = 1 + random.nextInt(2 * h1 + 20);
      RgbImage in = noise(iw, ih, i);
      RgbImage once = PillowResampler.resizeScalar(in, w1, h1, PillowResampler.Filter.BICUBIC);
      RgbImage twice = PillowResampler.resizeScalar(once, w2, h2, PillowResampler.Filter.BICUBIC);
      String what = iw + "x" + ih + " -> " + w1 + "x" + h1 + " -> " + w2 + "x" + h2;
      assertThat(VectorResampler.resizeChain(in, PillowResampler.Filter.BICUBIC, w1, h1).rgb())
          .as(what)
          .isEqualTo(once.rgb());
      assertThat(
              VectorResampler.resizeChain(in, PillowResampler.Filter.BICUBIC, w1, h1, w2, h2).rgb())
          .as(what)
          .isEqualTo(twice.rgb());
    }
  }

  @Test
  void extremeValuesClipLikePillow() {
    // Black/white checkerboards make the bicubic lobes overshoot both ends.
    int w = 61;
    int h = 45;
    int[] px = new int[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        px[y * w + x] = ((x + y) & 1) == 0 ? 0xFFFFFF : 0;
      }
    }
    RgbImage in = RgbImage.ofPacked(w, h, px);
    for (int[] size : new int[][] {{200, 150}, {30, 20}, {61, 100}, {7, 45}}) {
      assertThat(VectorResampler.resize(in, size[0], size[1], PillowResampler.Filter.BICUBIC).rgb())
          .isEqualTo(
              PillowResampler.resizeScalar(in, size[0], size[1], PillowResampler.Filter.BICUBIC)
                  .rgb());
    }
  }

  @Test
  void sameSizeIsACopyAndUnchangedStagesAreSkipped() {
    RgbImage in = noise(20, 10, 1);
    RgbImage same = VectorResampler.resizeChain(in, PillowResampler.Filter.BICUBIC, 20, 10, 20, 10);
    assertThat(same).isNotSameAs(in);
    assertThat(same.rgb()).isEqualTo(in.rgb());
    assertThat(
            VectorResampler.resizeChain(in, PillowResampler.Filter.BICUBIC, 20, 10, 33, 10, 33, 10)
                .rgb())
        .isEqualTo(PillowResampler.resizeScalar(in, 33, 10, PillowResampler.Filter.BICUBIC).rgb());
  }

  @Test
  void preprocessorChainEqualsTheTwoStagesOneByOne() {
    AbcPreprocessor pre = AbcPreprocessor.defaults();
    for (int[] size : new int[][] {{640, 480}, {1920, 1080}, {60, 8000}, {1, 1}, {3000, 17}}) {
      RgbImage in = noise(size[0], size[1], size[0]);
      RgbImage oneByOne = pre.stage2(pre.stage1(in));
      assertThat(pre.preprocess(in).image().rgb())
          .as("%dx%d", size[0], size[1])
          .isEqualTo(oneByOne.rgb());
    }
  }

  static RgbImage noise(int w, int h, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] px = new int[w * h];
    // Smooth gradients plus noise, with junk in the unused top byte, which must be ignored.
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int r = (x * 255 / Math.max(1, w - 1) + random.nextInt(60)) & 0xFF;
        int g = (y * 255 / Math.max(1, h - 1) + random.nextInt(60)) & 0xFF;
        int b = random.nextInt(256);
        px[y * w + x] = random.nextInt() << 24 | r << 16 | g << 8 | b;
      }
    }
    return RgbImage.ofPacked(w, h, px);
  }
}
