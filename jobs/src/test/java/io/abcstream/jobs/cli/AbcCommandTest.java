package io.abcstream.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class AbcCommandTest {

  @Test
  void helpListsTheSubcommands() {
    StringWriter out = new StringWriter();
    CommandLine cli = AbcCommand.newCommandLine();
    cli.setOut(new PrintWriter(out));

    int code = cli.execute("--help");

    assertThat(code).isZero();
    // Every command the README documents, each on its own line of the command list.
    for (String command : List.of("demo", "run", "embed", "search", "export", "produce", "dlq", "stack")) {
      assertThat(out.toString()).containsPattern("(?m)^\\s+" + command + "\\s");
    }
    assertThat(cli.getSubcommands().keySet())
        .containsExactlyInAnyOrder("demo", "run", "embed", "search", "export", "produce", "dlq", "stack", "help");
  }

  @Test
  void unknownStackActionIsAUsageErrorNamingTheChoices() {
    StringWriter err = new StringWriter();
    CommandLine cli = AbcCommand.newCommandLine();
    cli.setErr(new PrintWriter(err));

    int code = cli.execute("stack", "sideways");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("sideways").contains("up, down");
  }

  @Test
  void aMissingImageIsOneClearLineNotAStackTrace() {
    StringWriter err = new StringWriter();
    CommandLine cli = AbcCommand.newCommandLine();
    cli.setErr(new PrintWriter(err));

    int code = cli.execute("embed", "--bundle", "/nonexistent-bundle", "--image", "/nonexistent.png");

    assertThat(code).isEqualTo(1);
    assertThat(err.toString())
        .startsWith("abc embed: no such file: /nonexistent.png")
        .doesNotContain("\tat ");
  }

  @Test
  void exportRequiresItsInputs() {
    StringWriter err = new StringWriter();
    CommandLine cli = AbcCommand.newCommandLine();
    cli.setErr(new PrintWriter(err));

    int code = cli.execute("export", "--base", "/tmp/base");

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--pretrain-adapter", "--instruct-adapter", "--out");
  }
}
