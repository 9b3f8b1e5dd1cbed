package io.abcstream.model.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.abcstream.model.image.AbcPreprocessor;
import io.abcstream.model.image.PreprocessedImage;
import io.abcstream.model.image.RgbImage;
import io.abcstream.model.text.PromptBuilder;
import io.abcstream.model.text.PromptTemplate;
import io.abcstream.model.text.TestTokenizer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class BatchCollatorTest {
  private static final long PAD = 151643L;

  static PreprocessedImage image(int w, int h, long seed) {
    byte[] px = new byte[w * h * 3];
    new Random(seed).nextBytes(px);
    return AbcPreprocessor.defaults().preprocess(new RgbImage(w, h, px));
  }

  @Test
  void padsDedupesAndKeepsOrder() {
    PromptBuilder pb = new PromptBuilder(TestTokenizer.shared(), PromptTemplate.qwen2vl());
    PreprocessedImage a = image(30, 20, 1);
    PreprocessedImage b = image(600, 100, 2);
    List<PreparedInput> items =
        List.of(
            new PreparedInput(pb.query("a", a.numImageTokens()), a),
            new PreparedInput(pb.text("hello world"), null),
            new PreparedInput(pb.image(b.numImageTokens()), b),
            new PreparedInput(pb.query("a longer instruction here", a.numImageTokens()), a));
    CollatedBatch batch = new BatchCollator(PAD, 1176).collate(items);

    int l = items.stream().mapToInt(PreparedInput::length).max().orElseThrow();
    assertThat(batch.batchSize()).isEqualTo(4);
    assertThat(batch.seqLen()).isEqualTo(l);
    assertThat(batch.images()).containsExactly(a, b);
    assertThat(batch.rowImage()).containsExactly(0, -1, 1, 0);
    assertThat(batch.instruct()).containsExactly(1f, 0f, 0f, 1f);
    assertThat(batch.gridThw()).containsExactly(1, a.gridH(), a.gridW(), 1, b.gridH(), b.gridW());
    assertThat(batch.pixelRows()).isEqualTo(a.numPatches() + b.numPatches());
    for (int i = 0; i < 4; i++) {
      long[] ids = items.get(i).prompt().inputIds();
      assertThat(batch.rowIds(i)).containsExactly(ids);
      for (int j = 0; j < l; j++) {
        long m = batch.attentionMask()[i * l + j];
        assertThat(m).isEqualTo(j < ids.length ? 1L : 0L);
        if (j >= ids.length) {
          assertThat(batch.inputIds()[i * l + j]).isEqualTo(PAD);
        }
      }
    }
    long real = items.stream().mapToLong(PreparedInput::length).sum();
    assertThat(batch.realTokens()).isEqualTo(real);
    assertThat(batch.paddingRatio()).isCloseTo(1.0 - real / (4.0 * l), Offset.offset(1e-12));

    FloatBuffer px = batch.pixels();
    assertThat(px.remaining()).isEqualTo(batch.pixelRows() * 1176);
    float[] all = new float[px.remaining()];
    px.get(all);
    float[] ea = a.pixelRows();
    float[] eb = b.pixelRows();
    assertThat(firstMismatch(all, 0, ea)).as("image a rows").isEqualTo(-1);
    assertThat(firstMismatch(all, ea.length, eb)).as("image b rows").isEqualTo(-1);
    assertThat(all.length).isEqualTo(ea.length + eb.length);
  }

  /**
   * Index of the first float of {@code expected} that differs from {@code actual[offset...]}, or
   * -1.
   */
  static int firstMismatch(float[] actual, int offset, float[] expected) {
    int m = Arrays.mismatch(actual, offset, offset + expected.length, expected, 0, expected.length);
    return m;
  }

  @Test
  void textOnlyBatchHasNoPixels() {
    PromptBuilder pb = new PromptBuilder(TestTokenizer.shared(), PromptTemplate.qwen2vl());
    CollatedBatch batch =
        new BatchCollator(PAD, 1176).collate(List.of(new PreparedInput(pb.text("x"), null)));
    assertThat(batch.imageCount()).isZero();
    assertThat(batch.pixelRows()).isZero();
    assertThat(batch.gridThw()).isEmpty();
    assertThat(batch.rowImage()).containsExactly(-1);
    assertThat(batch.paddingRatio()).isZero();
  }

  @Test
  void emptyBatchIsRejected() {
    assertThatThrownBy(() -> new BatchCollator(PAD, 1176).collate(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
