package io.abcstream.jobs.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Starts, checks and stops the local Kafka + Elasticsearch (dev/stack.sh). */
@Command(
    name = "stack",
    mixinStandardHelpOptions = true,
    description = {
      "Run a real local Kafka broker and Elasticsearch node on 127.0.0.1 (no Docker).",
      "Ports and folders come from ABC_KAFKA_PORT, ABC_ES_PORT, ABC_STACK_DIR (see dev/stack.sh help).",
      "--secure: the secured pair (Kafka SASL_SSL + SCRAM, Elasticsearch HTTPS + auth) on its own ports."
    })
final class StackCommand implements Callable<Integer> {

  /** The stack script's verbs. */
  enum Action {
    up,
    down,
    restart,
    status,
    logs,
    clean
  }

  @Parameters(index = "0", description = "one of: ${COMPLETION-CANDIDATES}")
  Action action;

  @Option(
      names = "--secure",
      description =
          "the secured pair instead: Kafka SASL_SSL (SCRAM-SHA-512) on 9094, Elasticsearch HTTPS with"
              + " basic auth on 9243, a generated CA (in .stack/secure)")
  boolean secure;

  @Parameters(
      index = "1..*",
      arity = "0..*",
      description = "extra arguments (logs: kafka|es, -f, -n N)")
  List<String> rest = new ArrayList<>();

  @Override
  public Integer call() {
    List<String> command = new ArrayList<>();
    command.add("bash");
    command.add(RepoLayout.script("dev/stack.sh").toString());
    command.add(action.name());
    command.addAll(rest);
    if (secure) {
      command.add("--secure");
    }
    return ProcessRunner.run(command);
  }
}
