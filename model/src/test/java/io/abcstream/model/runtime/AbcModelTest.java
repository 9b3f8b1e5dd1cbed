package io.abcstream.model.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.abcstream.model.text.InputMode;
import io.abcstream.model.text.ModelInputException;
import io.abcstream.model.text.TestTokenizer;
import io.abcstream.testkit.Tolerances;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class AbcModelTest {

  @Test
  void parsesDevices() {
    assertThat(AbcModel.parseDevice("cpu")).isEqualTo(Device.cpu());
    assertThat(AbcModel.parseDevice("cuda:1")).isEqualTo(Device.gpu(1));
    assertThat(AbcModel.parseDevice("CUDA")).isEqualTo(Device.gpu(0));
    assertThat(AbcModel.parseDevice("gpu:0")).isEqualTo(Device.gpu(0));
    assertThatThrownBy(() -> AbcModel.parseDevice("tpu"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AbcModel.parseDevice("cuda:x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectedInputRunsNothing() {
    AbcModel m = TestModels.tiny();
    long before = m.batchesRun();
    assertThatThrownBy(
            () -> m.embed(List.of(EmbeddingInput.text("ok"), EmbeddingInput.text("<|im_start|>"))))
        .isInstanceOf(ModelInputException.class);
    assertThat(m.batchesRun()).isEqualTo(before);
    assertThat(m.embed(List.of())).isEmpty();
  }

  @Test
  void vectorsAreUnitLengthAndCloseAfterUse() throws Exception {
    AbcModel m =
        AbcModel.builder()
            .bundle(TestTokenizer.tinyBundle())
            .cpuThreads(1)
            .maxUserTokens(4)
            .build();
    try (m) {
      assertThat(m.dims()).isEqualTo(32);
      assertThat(m.modelVersion()).isEqualTo(m.manifest().modelVersion());
      float[] v = m.embed(EmbeddingInput.text("unit"));
      double n = 0;
      for (float x : v) {
        n += x * x;
      }
      // n = 2 dims + 2 fp32 roundings: ||y|| (a dot product of length dims, a sqrt), v = y / ||y||,
      // and
      // the dims float products x * x above
      double bound = Tolerances.relativeBound(2 * m.dims() + 2, Tolerances.FP32_UNIT_ROUNDOFF);
      assertThat(Math.sqrt(n)).isCloseTo(1.0, Offset.offset(bound));
      assertThatThrownBy(() -> m.embed(EmbeddingInput.text("one two three four five")))
          .isInstanceOfSatisfying(
              ModelInputException.class,
              e -> assertThat(e.kind()).isEqualTo(ModelInputException.Kind.INSTRUCTION_TOO_LONG));
    }
    assertThatThrownBy(() -> m.embed(EmbeddingInput.text("x")))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void inputsValidateTheirShape() {
    assertThatThrownBy(() -> EmbeddingInput.query(null, "x"))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(
            () -> new EmbeddingInput(InputMode.TEXT, "x", BatchCollatorTest.image(4, 4, 1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
