package io.abcstream.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.connectors.elasticsearch.ElasticsearchConnectionConfig;
import io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions;
import io.abcstream.jobs.config.JobConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class CommandLineContractTest {

  @TempDir Path dir;

  private static List<CommandLine> allCommands(CommandLine cli) {
    List<CommandLine> all = new ArrayList<>();
    all.add(cli);
    for (CommandLine sub : cli.getSubcommands().values()) {
      all.addAll(allCommands(sub));
    }
    return all;
  }

  @Test
  void everyCommandsFirstDescriptionLineIsAWholeSentence() {
    // `abc --help` lists each command with the first line of its header, else of its description.
    for (CommandLine command : allCommands(AbcCommand.newCommandLine())) {
      String[] header = command.getCommandSpec().usageMessage().header();
      String[] description =
          header.length > 0 ? header : command.getCommandSpec().usageMessage().description();
      assertThat(description).as(command.getCommandName()).isNotEmpty();
      assertThat(description[0])
          .as("first description line of '%s'", command.getCommandName())
          .matches("[A-Za-z].*[.]")
          .doesNotContain(";");
    }
  }

  @Test
  void theModelOptionsAreTheSameInEveryCommandThatLoadsTheModel() {
    CommandLine cli = AbcCommand.newCommandLine();
    for (String name : List.of("embed", "search", "demo")) {
      CommandLine command = cli.getSubcommands().get(name);
      assertThat(command.getMixins()).as(name).containsKey("model");
      assertThat(command.getCommandSpec().findOption("--bundle")).as(name).isNotNull();
      assertThat(command.getCommandSpec().findOption("--device").defaultValue())
          .as(name)
          .isEqualTo("cpu");
    }
  }

  private static SearchCommand parseSearch(String... args) {
    CommandLine cli = AbcCommand.newCommandLine();
    List<String> all = new ArrayList<>(List.of("search", "--text", "q"));
    all.addAll(List.of(args));
    CommandLine.ParseResult parsed = cli.parseArgs(all.toArray(new String[0]));
    return (SearchCommand) parsed.subcommand().commandSpec().userObject();
  }

  private static Map<String, String> elasticsearchKeys(Configuration conf) {
    Map<String, String> keys = new TreeMap<>();
    conf.toMap()
        .forEach(
            (k, v) -> {
              if (k.startsWith("elasticsearch.")) {
                keys.put(k, v);
              }
            });
    return keys;
  }

  @Test
  void searchFlagsAreTheJobsConnectionKeys() throws Exception {
    Path ca = dir.resolve("ca.pem");
    Files.writeString(ca, "not read until connecting");
    SearchCommand search =
        parseSearch(
            "--es", "https://es-0:9200,https://es-1:9200",
            "--es-user", "reader",
            "--es-password-env", "ES_PASSWORD",
            "--es-ca", ca.toString());

    Configuration job =
        Configuration.fromMap(
            Map.of(
                "elasticsearch.hosts", "https://es-0:9200;https://es-1:9200",
                "elasticsearch.auth.username", "reader",
                "elasticsearch.auth.password.env", "ES_PASSWORD",
                "elasticsearch.tls.ca.path", ca.toString()));

    Configuration fromFlags = search.elasticsearch.configuration();
    assertThat(fromFlags.get(ElasticsearchSinkOptions.HOSTS))
        .containsExactly("https://es-0:9200", "https://es-1:9200");
    assertThat(search.elasticsearch.connection().toString())
        .isEqualTo(ElasticsearchConnectionConfig.fromConfiguration(job).toString());
  }

  @Test
  void searchReadsTheJobsConfigFileAndOverridesAsTheJobDoes() throws Exception {
    Path yaml = dir.resolve("job.yaml");
    Files.writeString(
        yaml,
        String.join(
            "\n",
            "elasticsearch:",
            "  hosts: [https://es.example:9243]",
            "  path-prefix: /es",
            "  auth:",
            "    api-key:",
            "      file: /run/secrets/es-key",
            "  index:",
            "    prefix: products",
            "kafka:",
            "  input-topic: ignored-by-search",
            ""));
    List<String> overrides = List.of("elasticsearch.socket-timeout=5 s");
    SearchCommand search = parseSearch("--config", yaml.toString(), "-D", overrides.get(0));

    Configuration job = JobConfig.load(yaml, overrides);
    Configuration fromSearch = search.elasticsearch.configuration();

    assertThat(elasticsearchKeys(fromSearch)).isEqualTo(elasticsearchKeys(job));
    assertThat(search.elasticsearch.connection().toString())
        .isEqualTo(ElasticsearchConnectionConfig.fromConfiguration(job).toString())
        .contains("apiKey(file:/run/secrets/es-key)");
    // Without --index, search reads the alias the job writes to.
    assertThat(search.index(fromSearch)).isEqualTo("products");
  }

  @Test
  void searchDefaultsToTheSinksIndexPrefixAndALocalNode() {
    SearchCommand search = parseSearch();
    Configuration conf = search.elasticsearch.configuration();

    assertThat(search.index(conf)).isEqualTo(ElasticsearchSinkOptions.INDEX_PREFIX.defaultValue());
    String env = System.getenv("ABC_ES_URL");
    assertThat(conf.get(ElasticsearchSinkOptions.HOSTS))
        .containsExactly(env == null || env.isBlank() ? ElasticsearchArgs.DEFAULT_URL : env);
    assertThat(parseSearch("--index", "abc-demo").index(conf)).isEqualTo("abc-demo");
  }

  @Test
  void runAndTheJobJarShareOneConfigOptionsMixin() {
    CommandLine run = AbcCommand.newCommandLine().getSubcommands().get("run");
    OptionSpec d = run.getCommandSpec().findOption("-D");
    assertThat(d).isNotNull();
    assertThat(run.getCommandSpec().findOption("--config")).isNotNull();
    assertThat(d.paramLabel()).isEqualTo("KEY=VALUE");
  }
}
