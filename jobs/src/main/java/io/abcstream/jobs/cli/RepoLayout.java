package io.abcstream.jobs.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/** Where the repository's scripts and bundled files are, as seen by the CLI. */
final class RepoLayout {

  private RepoLayout() {}

  /** {@code -Dabc.repo.root} (set by the ./abc launcher), else the working directory upwards. */
  static Path root() {
    String configured = System.getProperty("abc.repo.root");
    if (configured != null) {
      return Paths.get(configured).toAbsolutePath();
    }
    Path dir = Paths.get("").toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      if (Files.exists(d.resolve("dev/stack.sh"))) {
        return d;
      }
    }
    throw new IllegalStateException(
        "cannot find the abc-stream repository (no dev/stack.sh above "
            + dir
            + "); run ./abc from it");
  }

  /** The committed tiny bundle, with its tokenizer fetched if missing. */
  static Path tinyBundle() {
    Path bundle = root().resolve("bundles/tiny");
    if (!Files.exists(bundle.resolve("tokenizer.json"))) {
      int rc =
          ProcessRunner.runForProgress(
              List.of(
                  "bash",
                  script("dev/fetch-tokenizer.sh").toString(),
                  bundle.resolve("tokenizer.json").toString()));
      if (rc != 0) {
        throw new IllegalStateException(
            "could not fetch the tokenizer for " + bundle + " (dev/fetch-tokenizer.sh)");
      }
    }
    return bundle;
  }

  static Path script(String relative) {
    Path path = root().resolve(relative);
    if (!Files.isRegularFile(path)) {
      throw new IllegalStateException(
          "missing " + path + ": is this a complete abc-stream checkout?");
    }
    return path;
  }
}
