package io.abcstream.model.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AbcPreprocessorTest {
  private static final AbcPreprocessor PRE = AbcPreprocessor.defaults();

  static Stream<Arguments> pipeline() throws IOException {
    JsonNode root = new ObjectMapper().readTree(TestImages.resource("pipeline.json"));
    List<Arguments> out = new ArrayList<>();
    for (JsonNode c : root.get("pipeline")) {
      out.add(
          Arguments.of(
              c.get("width").asInt() + "x" + c.get("height").asInt() + " " + c.get("kind").asText(),
              c));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pipeline")
  void matchesReferencePipeline(String name, JsonNode c) {
    RgbImage in =
        TestImages.pattern(
            c.get("width").asInt(),
            c.get("height").asInt(),
            c.get("kind").asText(),
            c.get("seed").asInt());
    assertThat(TestImages.sha256(in.rgb()))
        .as("synthetic input mirrors the Python generator")
        .isEqualTo(c.get("input_sha256").asText());
    String error = c.has("error") ? c.get("error").asText() : null;
    if ("stage1".equals(error)) {
      assertThatThrownBy(() -> PRE.preprocess(in))
          .isInstanceOf(ImageException.class)
          .extracting(e -> ((ImageException) e).kind())
          .isEqualTo(ImageException.Kind.UNSUPPORTED_IMAGE_SHAPE);
      return;
    }
    RgbImage s1 = PRE.stage1(in);
    assertThat(new int[] {s1.width(), s1.height()})
        .containsExactly(c.get("stage1").get(0).asInt(), c.get("stage1").get(1).asInt());
    assertThat(TestImages.sha256(s1.rgb()))
        .as("stage 1 uint8 bit-exact")
        .isEqualTo(c.get("stage1_sha256").asText());
    if ("stage2".equals(error)) {
      assertThatThrownBy(() -> PRE.stage2(s1)).isInstanceOf(ImageException.class);
      assertThatThrownBy(() -> PRE.preprocess(in)).isInstanceOf(ImageException.class);
      return;
    }
    PreprocessedImage p = PRE.preprocess(in);
    assertThat(new int[] {p.width(), p.height()})
        .containsExactly(c.get("stage2").get(0).asInt(), c.get("stage2").get(1).asInt());
    assertThat(TestImages.sha256(p.image().rgb()))
        .as("stage 2 uint8 bit-exact")
        .isEqualTo(c.get("stage2_sha256").asText());
    assertThat(p.gridThw())
        .containsExactly(
            c.get("grid_thw").get(0).asLong(),
            c.get("grid_thw").get(1).asLong(),
            c.get("grid_thw").get(2).asLong());
    assertThat(p.numPatches()).isEqualTo(c.get("rows_shape").get(0).asInt());
    assertThat(p.rowLength()).isEqualTo(c.get("rows_shape").get(1).asInt()).isEqualTo(1176);
    float[] rows = p.pixelRows();
    Iterator<Map.Entry<String, JsonNode>> it = c.get("rows_samples").fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      assertThat((double) rows[Integer.parseInt(e.getKey())])
          .isCloseTo(e.getValue().asDouble(), within(1e-6));
    }
    assertThat(TestImages.sha256(rows))
        .as("float32 rows bit-identical to the numpy path")
        .isEqualTo(c.get("rows_sha256").asText());
  }

  @Test
  void onePixelBecomes448Square() {
    PreprocessedImage p = PRE.preprocess(new RgbImage(1, 1, new byte[] {10, 20, 30}));
    assertThat(p.width()).isEqualTo(448);
    assertThat(p.height()).isEqualTo(448);
    assertThat(p.gridThw()).containsExactly(1, 32, 32);
    assertThat(p.numImageTokens()).isEqualTo(256);
    assertThat(PRE.imageTokens(1, 1)).isEqualTo(256);
    assertThat(PRE.finalSize(1, 1)).isEqualTo(new SmartResize.Size(448, 448));
  }

  @Test
  void bufferVariantsAgree() {
    PreprocessedImage p = PRE.preprocess(TestImages.pattern(61, 45, "noise", 3));
    float[] rows = p.pixelRows();
    float[] offset = new float[rows.length + 7];
    p.writePixelRows(offset, 7);
    assertThat(Arrays.copyOfRange(offset, 7, offset.length)).isEqualTo(rows);

    FloatBuffer heap = FloatBuffer.allocate(rows.length + 3);
    heap.position(3);
    p.writePixelRows(heap);
    assertThat(heap.position()).isEqualTo(rows.length + 3);
    assertThat(Arrays.copyOfRange(heap.array(), 3, heap.capacity())).isEqualTo(rows);

    FloatBuffer direct =
        ByteBuffer.allocateDirect(rows.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    p.writePixelRows(direct);
    direct.flip();
    float[] back = new float[rows.length];
    direct.get(back);
    assertThat(back).isEqualTo(rows);

    assertThatThrownBy(() -> p.writePixelRows(new float[rows.length - 1], 0))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void rowLayoutIsTheProcessorsOrder() {
    // A 448x448 image whose pixel value encodes position lets us check the permutation directly.
    int w = 448;
    int h = 448;
    byte[] px = new byte[w * h * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        px[(y * w + x) * 3] = (byte) (x % 251);
        px[(y * w + x) * 3 + 1] = (byte) (y % 251);
        px[(y * w + x) * 3 + 2] = (byte) ((x / 14 + y / 14) % 256);
      }
    }
    PreprocessedImage p = PRE.preprocess(new RgbImage(w, h, px));
    float[] rows = p.pixelRows();
    float[] lut0 = lutOf(0);
    float[] lut1 = lutOf(1);
    // row r: block (bh, bw), inner (mh, mw); gridW = 32, blocks of 2x2 patches
    int r = 37; // bh = 37 / (16*4) = 0; bw = (37 / 4) % 16 = 9; mh = (37 / 2) % 2 = 0; mw = 1
    int y0 = (0 * 2 + 0) * 14;
    int x0 = (9 * 2 + 1) * 14;
    int py = 5;
    int pxl = 11;
    int base = r * 1176;
    // channel 0, temporal 0 and 1
    assertThat(rows[base + py * 14 + pxl]).isEqualTo(lut0[(x0 + pxl) % 251]);
    assertThat(rows[base + 196 + py * 14 + pxl]).isEqualTo(lut0[(x0 + pxl) % 251]);
    // channel 1
    assertThat(rows[base + 2 * 196 + py * 14 + pxl]).isEqualTo(lut1[(y0 + py) % 251]);
  }

  private static float[] lutOf(int c) {
    float[] l = new float[256];
    for (int v = 0; v < 256; v++) {
      float r = (float) (v * (1.0 / 255.0));
      l[v] =
          (r - (float) AbcPreprocessor.OPENAI_CLIP_MEAN[c])
              / (float) AbcPreprocessor.OPENAI_CLIP_STD[c];
    }
    return l;
  }

  @Test
  void builderValidatesAndOverrides() {
    assertThatThrownBy(() -> AbcPreprocessor.builder().pixels(10, 5))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AbcPreprocessor.builder().mean(1, 2))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AbcPreprocessor.builder().std(1, 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AbcPreprocessor.builder().patchSize(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AbcPreprocessor.builder().maxAspectRatio(0.5))
        .isInstanceOf(IllegalArgumentException.class);
    AbcPreprocessor small = AbcPreprocessor.builder().pixels(4 * 28 * 28, 16 * 28 * 28).build();
    PreprocessedImage p = small.preprocess(TestImages.pattern(640, 480, "noise", 1));
    assertThat(p.numPatches()).isLessThanOrEqualTo(64);
    assertThat(p.width() % 28).isZero();
    assertThat(p.height() % 28).isZero();
  }
}
