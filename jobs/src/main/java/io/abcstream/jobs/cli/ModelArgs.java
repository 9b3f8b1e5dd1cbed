package io.abcstream.jobs.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which model bundle a command loads and on which device ({@code --bundle}, {@code --device}). */
final class ModelArgs {

  @Option(
      names = "--bundle",
      paramLabel = "DIR",
      description = "model bundle (default: the committed tiny bundle)")
  Path bundle;

  @Option(
      names = "--device",
      defaultValue = "cpu",
      description = "cpu or cuda:N (default ${DEFAULT-VALUE})")
  String device;

  /** The bundle asked for, else the tiny one (its tokenizer fetched on first use). */
  Path bundleDir() {
    return bundle != null ? bundle.toAbsolutePath() : RepoLayout.tinyBundle();
  }
}
