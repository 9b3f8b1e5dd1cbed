package io.abcstream.jobs;

import io.abcstream.jobs.config.JobConfigArgs;
import io.abcstream.jobs.config.JobOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * Entry point of the shaded job jar for {@code flink run}: {@code --config job.yaml} and any number
 * of {@code -D key=value} overrides, parsed as {@code abc run} parses them.
 */
@Command(
    name = "abc-embedding-job",
    mixinStandardHelpOptions = true,
    description = "Run the Kafka → ABC → Elasticsearch embedding job (the job jar's entry point).")
public final class EmbeddingJobMain {

  @Mixin JobConfigArgs config;

  private EmbeddingJobMain() {}

  public static void main(String[] args) throws Exception {
    Configuration conf = configuration(args);
    if (conf == null) {
      return; // --help or --version was printed
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    EmbeddingJob.build(env, conf);
    env.execute(conf.get(JobOptions.JOB_NAME));
  }

  /**
   * The job's configuration from {@code args} with the job's Flink defaults, or null when help was
   * asked for; a usage error throws (flink run shows it).
   */
  static Configuration configuration(String... args) {
    EmbeddingJobMain main = new EmbeddingJobMain();
    CommandLine cli = new CommandLine(main);
    CommandLine.ParseResult parsed = cli.parseArgs(args);
    if (CommandLine.printHelpIfRequested(parsed)) {
      return null;
    }
    return JobEnvironment.withDefaults(main.config.load());
  }
}
