package io.abcstream.operators;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Where tests find the committed tiny bundle (its tokenizer is fetched by dev/fetch-tokenizer.sh).
 */
public final class TestBundles {

  private TestBundles() {}

  public static Path tiny() {
    String root = System.getProperty("abc.repo.root", "..");
    Path bundle = Paths.get(root, "bundles", "tiny").toAbsolutePath().normalize();
    if (!Files.exists(bundle.resolve("tokenizer.json"))) {
      throw new IllegalStateException(
          bundle
              + "/tokenizer.json is missing: run dev/fetch-tokenizer.sh "
              + bundle.resolve("tokenizer.json"));
    }
    return bundle;
  }
}
