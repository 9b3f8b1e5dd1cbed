package io.abcstream.model.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SmartResizeTest {

  static Stream<Arguments> pythonTable() {
    String tsv = new String(TestImages.resource("smart_resize.tsv"), StandardCharsets.UTF_8);
    List<Arguments> rows = new ArrayList<>();
    for (String line : tsv.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      rows.add(Arguments.of((Object[]) line.split("\t")));
    }
    return rows.stream();
  }

  @ParameterizedTest(name = "{0}x{1} -> {2}x{3} -> {4}x{5}")
  @MethodSource("pythonTable")
  void matchesPythonReference(String h, String w, String s1h, String s1w, String s2h, String s2w) {
    int height = Integer.parseInt(h);
    int width = Integer.parseInt(w);
    if (s1h.equals("ERR1")) {
      assertThatThrownBy(() -> SmartResize.qwenVlUtils(height, width))
          .isInstanceOf(ImageException.class)
          .extracting(e -> ((ImageException) e).kind())
          .isEqualTo(ImageException.Kind.UNSUPPORTED_IMAGE_SHAPE);
      return;
    }
    SmartResize.Size s1 = SmartResize.qwenVlUtils(height, width);
    assertThat(s1).isEqualTo(new SmartResize.Size(Integer.parseInt(s1h), Integer.parseInt(s1w)));
    if (s2h.equals("ERR2")) {
      assertThatThrownBy(() -> SmartResize.hfProcessor(s1.height(), s1.width()))
          .isInstanceOf(ImageException.class)
          .hasMessageContaining("aspect ratio");
      return;
    }
    assertThat(SmartResize.hfProcessor(s1.height(), s1.width()))
        .isEqualTo(new SmartResize.Size(Integer.parseInt(s2h), Integer.parseInt(s2w)));
  }

  @Test
  void roundsHalfToEven() {
    // 42/28 = 1.5 -> 2, 70/28 = 2.5 -> 2, 98/28 = 3.5 -> 4, 14/28 = 0.5 -> 0 -> max(28, 0)
    assertThat(SmartResize.roundByFactor(42, 28)).isEqualTo(56);
    assertThat(SmartResize.roundByFactor(70, 28)).isEqualTo(56);
    assertThat(SmartResize.roundByFactor(98, 28)).isEqualTo(112);
    assertThat(SmartResize.roundByFactor(14, 28)).isZero();
    assertThat(SmartResize.qwenVlUtils(14, 2800).height()).isEqualTo(28);
  }

  @Test
  void aspectRatioLimitIsInclusive() {
    assertThat(SmartResize.qwenVlUtils(1, 200)).isEqualTo(new SmartResize.Size(28, 196));
    assertThatThrownBy(() -> SmartResize.qwenVlUtils(1, 201)).isInstanceOf(ImageException.class);
    assertThatThrownBy(() -> SmartResize.qwenVlUtils(100000, 10))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("aspect ratio");
  }

  @Test
  void stage2RejectsWhatStage1LetThrough() {
    // 41x8200 passes stage 1 (ratio 200) but becomes 28x8204 (ratio 293): the HF processor raises.
    SmartResize.Size s1 = SmartResize.qwenVlUtils(41, 8200);
    assertThat(s1).isEqualTo(new SmartResize.Size(28, 8204));
    assertThatThrownBy(() -> SmartResize.hfProcessor(28, 8204)).isInstanceOf(ImageException.class);
  }

  @Test
  void stage2RejectsSidesBelowFactor() {
    assertThatThrownBy(() -> SmartResize.hfProcessor(27, 100))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("must be larger than factor");
  }
}
