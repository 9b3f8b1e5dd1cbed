package io.abcstream.jobs.cli;

import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code abc} command line: one entry point for the stack, the model and the jobs. */
@Command(
    name = "abc",
    mixinStandardHelpOptions = true,
    versionProvider = AbcCommand.Version.class,
    description = {
      "abc-stream: instruction-controlled multimodal embeddings (ABC) from Kafka to Elasticsearch.",
      ""
    },
    subcommands = {
      DemoCommand.class,
      RunCommand.class,
      EmbedCommand.class,
      SearchCommand.class,
      ProduceCommand.class,
      DlqCommand.class,
      StackCommand.class,
      ExportCommand.class,
      CommandLine.HelpCommand.class
    })
public final class AbcCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(newCommandLine().execute(args));
  }

  static CommandLine newCommandLine() {
    return new CommandLine(new AbcCommand())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(AbcCommand::reportFailure);
  }

  /**
   * A failed command prints one line that says what went wrong (a missing file, a bad setting, an
   * unreachable service) instead of a stack trace; ABC_DEBUG=1 shows the trace.
   */
  static int reportFailure(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
    if (System.getenv("ABC_DEBUG") != null) {
      e.printStackTrace(cli.getErr());
    }
    Throwable cause = e;
    while (cause.getCause() != null && cause.getMessage() == null) {
      cause = cause.getCause();
    }
    String what =
        cause instanceof NoSuchFileException
            ? "no such file: " + cause.getMessage()
            : cause.getClass().getSimpleName() + ": " + cause.getMessage();
    cli.getErr()
        .println("abc " + cli.getCommandName() + ": " + what + " (ABC_DEBUG=1 for details)");
    return 1;
  }

  /** Prints the project version baked into the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = AbcCommand.class.getPackage().getImplementationVersion();
      return new String[] {"abc-stream " + (version == null ? "dev" : version)};
    }
  }
}
