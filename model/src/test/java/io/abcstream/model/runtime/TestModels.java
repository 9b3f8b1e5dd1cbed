package io.abcstream.model.runtime;

import io.abcstream.model.image.ImageDecoder;
import io.abcstream.model.text.TestTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One tiny-bundle AbcModel per test JVM (loading costs seconds on a busy machine). One intra-op
 * thread: the build machine's cores are shared, and spinning OpenMP threads make a tiny batch ~30x
 * slower there.
 */
public final class TestModels {
  private static AbcModel model;

  private TestModels() {}

  public static synchronized AbcModel tiny() {
    if (model == null) {
      try {
        model =
            AbcModel.builder()
                .bundle(TestTokenizer.tinyBundle())
                .device("cpu")
                .cpuThreads(1)
                .build();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      AbcModel m = model;
      Runtime.getRuntime().addShutdownHook(new Thread(m::close));
    }
    return model;
  }

  public static Embedder embedder() {
    AbcModel m = tiny();
    return new Embedder(m, ImageDecoder.defaults(), Embedder.preprocessorFor(m.manifest()));
  }
}
