package io.abcstream.jobs.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Option;

/**
 * The job configuration on a command line, the same for {@code abc run}, {@code abc search} and the
 * job jar's main: {@code --config job.yaml} and any number of {@code -D key=value} overrides
 * ({@code -Dkey=value} works too).
 */
public final class JobConfigArgs {

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "job YAML (every key with its default: config/job.example.yaml)")
  Path config;

  @Option(
      names = "-D",
      paramLabel = "KEY=VALUE",
      description = "override a config key: -D kafka.input-topic=x (repeatable)")
  List<String> overrides = new ArrayList<>();

  /** The file's keys with the overrides on top; no file means only the overrides. */
  public Configuration load() {
    return JobConfig.load(config, overrides);
  }
}
