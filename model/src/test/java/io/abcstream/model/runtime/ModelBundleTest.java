package io.abcstream.model.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.abcstream.model.text.PromptTemplate;
import io.abcstream.model.text.TestTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelBundleTest {

  @Test
  void opensTheTinyBundle() {
    ModelBundle b = ModelBundle.open(TestTokenizer.tinyBundle());
    Manifest m = b.manifest();
    assertThat(m.formatVersion()).isEqualTo(1);
    assertThat(m.dims()).isEqualTo(32);
    assertThat(m.dtype()).isEqualTo("float32");
    assertThat(m.padId()).isEqualTo(151643L);
    assertThat(m.imagePadId()).isEqualTo(151655L);
    assertThat(m.prompt()).isEqualTo(PromptTemplate.qwen2vl());
    assertThat(m.preprocessing().patchRowSize()).isEqualTo(1176);
    assertThat(m.modelVersion()).hasSize(64);
    assertThat(b.visionPath()).exists();
    assertThat(b.languagePath()).exists();
  }

  private static Path copyBundle(Path dir, boolean withTokenizer) throws Exception {
    Path src = TestTokenizer.tinyBundle();
    Files.copy(src.resolve("manifest.json"), dir.resolve("manifest.json"));
    Files.createSymbolicLink(dir.resolve("vision.pt"), src.resolve("vision.pt"));
    Files.createSymbolicLink(dir.resolve("language.pt"), src.resolve("language.pt"));
    if (withTokenizer) {
      Files.createSymbolicLink(dir.resolve("tokenizer.json"), src.resolve("tokenizer.json"));
    }
    return dir;
  }

  @Test
  void missingTokenizerTellsHowToFetchIt(@TempDir Path dir) throws Exception {
    copyBundle(dir, false);
    assertThatThrownBy(() -> ModelBundle.open(dir))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("dev/fetch-tokenizer.sh")
        .hasMessageContaining("--bundle");
  }

  @Test
  void wrongTokenizerIsRejected(@TempDir Path dir) throws Exception {
    copyBundle(dir, false);
    Files.writeString(dir.resolve("tokenizer.json"), "{}");
    assertThatThrownBy(() -> ModelBundle.open(dir))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("sha256");
  }

  @Test
  void missingModuleIsReported(@TempDir Path dir) throws Exception {
    copyBundle(dir, true);
    Files.delete(dir.resolve("language.pt"));
    assertThatThrownBy(() -> ModelBundle.open(dir))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("language.pt");
  }

  @Test
  void unsupportedFormatVersion(@TempDir Path dir) throws Exception {
    copyBundle(dir, true);
    Path mf = dir.resolve("manifest.json");
    Files.writeString(
        mf, Files.readString(mf).replace("\"format_version\": 1", "\"format_version\": 99"));
    assertThatThrownBy(() -> ModelBundle.open(dir))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("format_version 99");
  }

  @Test
  void badFieldsAreNamed() {
    String json =
        "{\"format_version\": 1, \"model_version\": \"x\", \"dims\": 8, \"dtype\": \"float16\"}";
    assertThatThrownBy(() -> Manifest.parse(json))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("dtype");
    assertThatThrownBy(() -> Manifest.parse("{\"format_version\": 1}"))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("model_version");
  }

  @Test
  void notABundle(@TempDir Path dir) {
    assertThatThrownBy(() -> ModelBundle.open(dir))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("manifest.json");
    assertThatThrownBy(() -> ModelBundle.open(dir.resolve("nope")))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("does not exist");
  }
}
