package io.abcstream.jobs.cli;

import io.abcstream.connectors.elasticsearch.ElasticsearchConnectionConfig;
import io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions;
import io.abcstream.jobs.config.JobConfigArgs;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How a command reaches Elasticsearch, the job's way: the {@code elasticsearch.*} keys of {@code
 * --config job.yaml} and {@code -D}, with these flags on top. Secrets only by reference (an
 * environment variable's name or a file).
 */
final class ElasticsearchArgs {

  static final String DEFAULT_URL = "http://127.0.0.1:9200";

  @Mixin JobConfigArgs config;

  @Option(
      names = "--es",
      paramLabel = "URL",
      split = ",",
      description =
          "Elasticsearch node URL(s), comma-separated (default: elasticsearch.hosts of --config,"
              + " else $ABC_ES_URL, else "
              + DEFAULT_URL
              + ")")
  List<String> hosts;

  @Option(
      names = "--es-user",
      paramLabel = "NAME",
      description = "basic-auth user (with --es-password-env or --es-password-file)")
  String username;

  @Option(
      names = "--es-password-env",
      paramLabel = "VAR",
      description = "environment variable holding the password")
  String passwordEnv;

  @Option(
      names = "--es-password-file",
      paramLabel = "FILE",
      description = "file holding the password")
  String passwordFile;

  @Option(
      names = "--es-api-key-env",
      paramLabel = "VAR",
      description = "environment variable holding an encoded API key")
  String apiKeyEnv;

  @Option(
      names = "--es-api-key-file",
      paramLabel = "FILE",
      description = "file holding an encoded API key")
  String apiKeyFile;

  @Option(
      names = "--es-ca",
      paramLabel = "PEM",
      description = "CA certificate(s) to trust, e.g. http_ca.crt")
  String caPem;

  /** The job's configuration with the flags applied as the job's own keys. */
  Configuration configuration() {
    Configuration conf = config.load();
    if (hosts != null) {
      conf.set(ElasticsearchSinkOptions.HOSTS, hosts);
    } else if (!conf.contains(ElasticsearchSinkOptions.HOSTS)) {
      String env = System.getenv("ABC_ES_URL");
      conf.set(
          ElasticsearchSinkOptions.HOSTS,
          List.of(env == null || env.isBlank() ? DEFAULT_URL : env));
    }
    setIfGiven(conf, ElasticsearchSinkOptions.USERNAME, username);
    setIfGiven(conf, ElasticsearchSinkOptions.PASSWORD_ENV, passwordEnv);
    setIfGiven(conf, ElasticsearchSinkOptions.PASSWORD_FILE, passwordFile);
    setIfGiven(conf, ElasticsearchSinkOptions.API_KEY_ENV, apiKeyEnv);
    setIfGiven(conf, ElasticsearchSinkOptions.API_KEY_FILE, apiKeyFile);
    setIfGiven(conf, ElasticsearchSinkOptions.CA_PEM_PATH, caPem);
    return conf;
  }

  /** The connection the job would open with the same keys. */
  ElasticsearchConnectionConfig connection() {
    return ElasticsearchConnectionConfig.fromConfiguration(configuration());
  }

  private static void setIfGiven(Configuration conf, ConfigOption<String> option, String value) {
    if (value != null) {
      conf.set(option, value);
    }
  }
}
