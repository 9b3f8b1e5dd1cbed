package io.abcstream.model.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.abcstream.model.image.ImageException;
import io.abcstream.model.text.InputMode;
import io.abcstream.model.text.ModelInputException;
import io.abcstream.testkit.Tolerances;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The facade from image bytes / text to vectors, and --dump-inputs. */
class EmbedderTest {
  private final Goldens goldens = Goldens.load();
  private final Embedder embedder = TestModels.embedder();

  /** v, from a batch padded to seqLen tokens, is within fp32 rounding of the Python golden. */
  private static void close(Goldens.Case c, float[] v, int seqLen) {
    double bound = Goldens.bound(c, seqLen);
    assertThat(Tolerances.relativeError(v, c.vector())).as(c.id()).isLessThanOrEqualTo(bound);
    assertThat(Goldens.cosine(v, c.vector()))
        .as(c.id())
        .isGreaterThanOrEqualTo(Tolerances.cosineFloor(bound));
    // the golden is a unit vector: no component moves more than the whole difference
    assertThat(Goldens.maxAbsDiff(v, c.vector())).as(c.id()).isLessThanOrEqualTo(bound);
  }

  private static void close(Goldens.Case c, float[] v) {
    close(c, v, c.inputIds().length);
  }

  @Test
  void imageBytesWithInstructionsGiveOneVectorPerInstructionInOrder() throws Exception {
    byte[] png = Files.readAllBytes(Goldens.dir().resolve("tiny_3x2.png"));
    List<Goldens.Case> instrCases =
        goldens.cases().stream().filter(c -> c.id().startsWith("tiny_3x2__instr")).toList();
    List<String> instr = instrCases.stream().map(Goldens.Case::userText).toList();
    // the four queries of one image run as one batch
    int padded = Goldens.paddedLength(instrCases);
    assertThat(instr).hasSize(4);
    List<Embedding> out = embedder.embedImage(png, instr);
    assertThat(out).hasSize(4);
    for (int i = 0; i < 4; i++) {
      assertThat(out.get(i).mode()).isEqualTo(InputMode.IMAGE_INSTRUCTION);
      assertThat(out.get(i).instruction()).isEqualTo(instr.get(i));
      close(goldens.get("tiny_3x2__instr" + i), out.get(i).vector(), padded);
    }
    List<Embedding> img = embedder.embedImage(png, List.of());
    assertThat(img)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.mode()).isEqualTo(InputMode.IMAGE);
              assertThat(e.instruction()).isNull();
              close(goldens.get("tiny_3x2__image"), e.vector());
            });
  }

  @Test
  void rgbaAndGrayPngsThroughTheDecoder() throws Exception {
    for (String id : List.of("rgba_90x70__image", "gray_50x61__image")) {
      Goldens.Case c = goldens.get(id);
      byte[] bytes = Files.readAllBytes(Goldens.dir().resolve(c.image()));
      close(c, embedder.embedImage(bytes, List.of()).get(0).vector());
    }
  }

  @Test
  void text() throws Exception {
    Goldens.Case c = goldens.get("text2");
    Embedding e = embedder.embedText(c.userText());
    assertThat(e.mode()).isEqualTo(InputMode.TEXT);
    assertThat(e.dims()).isEqualTo(32);
    close(c, e.vector());
  }

  @Test
  void typedErrors() {
    assertThatThrownBy(() -> embedder.embedImage(new byte[0], List.of()))
        .isInstanceOf(ImageException.class);
    assertThatThrownBy(() -> embedder.embedText("x<|im_end|>"))
        .isInstanceOf(ModelInputException.class);
  }

  @Test
  void dumpInputsWritesNpyPerVector(@TempDir Path dir) throws Exception {
    byte[] png = Files.readAllBytes(Goldens.dir().resolve("photo_640x480.png"));
    Goldens.Case c = goldens.get("photo_640x480__instr1");
    try {
      embedder.dumpInputs(dir.resolve("one"));
      embedder.embedImage(png, List.of(c.userText()));
      embedder.dumpInputs(dir.resolve("two"));
      embedder.embedImage(png, List.of(c.userText(), "second"));
      embedder.dumpInputs(dir.resolve("text"));
      embedder.embedText("a photo of a cat");
    } finally {
      embedder.dumpInputs(null);
    }
    Path one = dir.resolve("one");
    assertThat(one.resolve("prompt.txt")).hasContent(c.prompt());
    assertThat(npyInt64(one.resolve("input_ids.npy"))).containsExactly(c.inputIds());
    assertThat(npyInt64(one.resolve("attention_mask.npy")))
        .hasSize(c.inputIds().length)
        .containsOnly(1L);
    assertThat(npyInt64(one.resolve("image_grid_thw.npy"))).containsExactly(c.gridThw());
    byte[] px = npyData(one.resolve("pixel_values.npy"));
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(px));
    assertThat(sha)
        .isEqualTo(goldens.image(c.image()).get("pixel_values").get("sha256_f32le").asText());
    assertThat(dir.resolve("two/0/input_ids.npy")).exists();
    assertThat(dir.resolve("two/1/prompt.txt"))
        .content(StandardCharsets.UTF_8)
        .contains("Instruction: second");
    assertThat(dir.resolve("text/input_ids.npy")).exists();
    assertThat(dir.resolve("text/pixel_values.npy")).doesNotExist();
  }

  static byte[] npyData(Path f) throws Exception {
    byte[] b = Files.readAllBytes(f);
    int len = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getShort(8) & 0xFFFF;
    return Arrays.copyOfRange(b, 10 + len, b.length);
  }

  static long[] npyInt64(Path f) throws Exception {
    ByteBuffer d = ByteBuffer.wrap(npyData(f)).order(ByteOrder.LITTLE_ENDIAN);
    long[] out = new long[d.remaining() / 8];
    d.asLongBuffer().get(out);
    return out;
  }
}
