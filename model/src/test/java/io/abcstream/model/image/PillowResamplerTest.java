package io.abcstream.model.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PillowResamplerTest {

  static Stream<Arguments> cases() throws IOException {
    JsonNode root = new ObjectMapper().readTree(TestImages.resource("pipeline.json"));
    List<Arguments> out = new ArrayList<>();
    for (JsonNode c : root.get("resize")) {
      out.add(
          Arguments.of(
              c.get("in").get(0).asInt(),
              c.get("in").get(1).asInt(),
              c.get("out").get(0).asInt(),
              c.get("out").get(1).asInt(),
              c.get("kind").asText(),
              c.get("seed").asInt(),
              c.get("sha256").asText()));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}x{1} -> {2}x{3} ({4})")
  @MethodSource("cases")
  void bitExactWithPillow(int iw, int ih, int ow, int oh, String kind, int seed, String sha) {
    RgbImage in = TestImages.pattern(iw, ih, kind, seed);
    RgbImage scalar = PillowResampler.resizeScalar(in, ow, oh, PillowResampler.Filter.BICUBIC);
    RgbImage vector = VectorResampler.resize(in, ow, oh, PillowResampler.Filter.BICUBIC);
    for (RgbImage out : List.of(scalar, vector)) {
      assertThat(out.width()).isEqualTo(ow);
      assertThat(out.height()).isEqualTo(oh);
      assertThat(TestImages.sha256(out.rgb())).isEqualTo(sha);
    }
  }

  @Test
  void fullArrayMatches() {
    RgbImage out = PillowResampler.resize(TestImages.pattern(29, 27, "noise", 4), 17, 41);
    byte[] expected = TestImages.resource("resize_29x27_to_17x41.rgb");
    assertThat(TestImages.maxAbsDiff(out.rgb(), expected)).isZero();
    assertThat(out.rgb()).isEqualTo(expected);
  }

  @Test
  void sameSizeReturnsACopy() {
    RgbImage in = TestImages.pattern(9, 7, "noise", 1);
    RgbImage out = PillowResampler.resize(in, 9, 7);
    assertThat(out).isNotSameAs(in);
    assertThat(out.rgb()).isNotSameAs(in.rgb()).isEqualTo(in.rgb());
  }

  @Test
  void constantImageStaysConstant() {
    byte[] px = new byte[50 * 30 * 3];
    Arrays.fill(px, (byte) 200);
    RgbImage out = PillowResampler.resize(new RgbImage(50, 30, px), 123, 7);
    for (byte b : out.rgb()) {
      assertThat(b & 0xFF).isEqualTo(200);
    }
  }
}
