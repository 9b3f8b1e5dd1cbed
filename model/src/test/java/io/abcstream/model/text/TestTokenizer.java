package io.abcstream.model.text;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test access to the tiny bundle's tokenizer.json (fetched by dev/fetch-tokenizer.sh). */
public final class TestTokenizer {
  private static QwenTokenizer shared;

  private TestTokenizer() {}

  public static Path repoRoot() {
    String root = System.getProperty("abc.repo.root");
    Path p = root != null ? Path.of(root) : Path.of("..");
    return p.toAbsolutePath().normalize();
  }

  public static Path tinyBundle() {
    return repoRoot().resolve("bundles/tiny");
  }

  public static Path tokenizerJson() {
    Path p = tinyBundle().resolve("tokenizer.json");
    if (!Files.isRegularFile(p)) {
      throw new IllegalStateException(p + " is missing: run dev/fetch-tokenizer.sh " + p);
    }
    return p;
  }

  /** One tokenizer for the whole test JVM (loading the 11 MB file takes a moment). */
  public static synchronized QwenTokenizer shared() {
    if (shared == null) {
      try {
        shared = QwenTokenizer.load(tokenizerJson());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return shared;
  }
}
