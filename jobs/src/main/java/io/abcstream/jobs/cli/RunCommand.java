package io.abcstream.jobs.cli;

import io.abcstream.jobs.EmbeddingJob;
import io.abcstream.jobs.JobEnvironment;
import io.abcstream.jobs.config.JobConfigArgs;
import io.abcstream.jobs.config.JobOptions;
import io.abcstream.operators.batching.BatchingOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Runs the embedding job on a local MiniCluster (with the Web UI) or submits it to a cluster. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run the Kafka → ABC → Elasticsearch embedding job.",
      "Locally on a MiniCluster with the Flink Web UI, or with --jobmanager on a running Flink",
      "cluster (uses the shaded job jar). Progress goes to stderr."
    })
final class RunCommand implements Callable<Integer> {

  @Mixin JobConfigArgs config;

  @Option(names = "--jobmanager", description = "host:port of a Flink JobManager's REST endpoint")
  String jobManager;

  @Option(
      names = "--web-port",
      defaultValue = "8081",
      description = "local Web UI port (default ${DEFAULT-VALUE})")
  int webPort;

  @Override
  public Integer call() throws Exception {
    Configuration conf = JobEnvironment.withDefaults(config.load());
    resolveBundle(conf);
    StreamExecutionEnvironment env;
    if (jobManager != null) {
      String[] hostPort = jobManager.split(":");
      if (hostPort.length != 2) {
        System.err.println("abc run: --jobmanager must be host:port, got " + jobManager);
        return 2;
      }
      Path jar = RepoLayout.root().resolve("jobs/target/abc-jobs-job.jar");
      if (!Files.exists(jar)) {
        System.err.println(
            "abc run: "
                + jar
                + " is missing; build it with: mvn -B -Pjob-jar -DskipTests -pl jobs -am package");
        return 2;
      }
      env =
          StreamExecutionEnvironment.createRemoteEnvironment(
              hostPort[0], Integer.parseInt(hostPort[1]), conf, jar.toString());
    } else {
      conf.set(RestOptions.PORT, webPort);
      env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
    }
    EmbeddingJob.Plan plan = EmbeddingJob.build(env, conf);
    System.err.println(
        "abc run: indexing into "
            + plan.index()
            + " (alias "
            + plan.alias()
            + "), model "
            + plan.modelVersion()
            + ", "
            + plan.dims()
            + " dims");
    if (jobManager == null) {
      System.err.println("abc run: Flink Web UI at http://localhost:" + webPort);
    }
    env.execute(conf.get(JobOptions.JOB_NAME));
    return 0;
  }

  /** A relative bundle path means the repository's when it is not under the working directory. */
  static void resolveBundle(Configuration conf) {
    Path bundle = Paths.get(conf.get(BatchingOptions.BUNDLE));
    if (!bundle.isAbsolute() && !Files.isDirectory(bundle)) {
      Path inRepo = RepoLayout.root().resolve(bundle);
      if (Files.isDirectory(inRepo)) {
        bundle = inRepo;
      }
    }
    if (bundle
        .toAbsolutePath()
        .normalize()
        .equals(RepoLayout.root().resolve("bundles/tiny").normalize())) {
      bundle = RepoLayout.tinyBundle();
    }
    conf.set(BatchingOptions.BUNDLE, bundle.toAbsolutePath().toString());
  }
}
