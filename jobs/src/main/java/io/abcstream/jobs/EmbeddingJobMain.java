package io.abcstream.jobs;

import io.abcstream.jobs.config.JobConfig;
import io.abcstream.jobs.config.JobOptions;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Entry point of the shaded job jar for {@code flink run}: {@code --config job.yaml} and any
 * number of {@code -Dkey=value} overrides.
 */
public final class EmbeddingJobMain {

  private EmbeddingJobMain() {}

  public static void main(String[] args) throws Exception {
    Path config = null;
    List<String> overrides = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        config = Paths.get(args[++i]);
      } else if (args[i].startsWith("-D") && args[i].length() > 2) {
        overrides.add(args[i].substring(2));
      } else {
        throw new IllegalArgumentException("usage: --config job.yaml [-Dkey=value ...]; got '" + args[i] + "'");
      }
    }
    Configuration conf = JobEnvironment.withDefaults(JobConfig.load(config, overrides));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    EmbeddingJob.build(env, conf);
    env.execute(conf.get(JobOptions.JOB_NAME));
  }
}
