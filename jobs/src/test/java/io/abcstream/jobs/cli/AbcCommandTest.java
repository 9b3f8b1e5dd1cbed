package io.abcstream.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.abcstream.jobs.config.JobOptions;
import io.abcstream.model.image.ImageDecoder;
import io.abcstream.model.image.ImageException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
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
    for (String command :
        List.of("demo", "run", "embed", "search", "export", "produce", "dlq", "stack")) {
      assertThat(out.toString()).containsPattern("(?m)^\\s+" + command + "\\s");
    }
    assertThat(cli.getSubcommands().keySet())
        .containsExactlyInAnyOrder(
            "demo", "run", "embed", "search", "export", "produce", "dlq", "stack", "help");
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

    int code =
        cli.execute("embed", "--bundle", "/nonexistent-bundle", "--image", "/nonexistent.png");

    assertThat(code).isEqualTo(1);
    assertThat(err.toString())
        .startsWith("abc embed: no such file: /nonexistent.png")
        .doesNotContain("\tat ");
  }

  @Test
  void anImageUrlOverTheByteLimitIsReadPastItSoTheDecoderSaysTooLarge() throws Exception {
    long limit = ImageDecoder.DEFAULT_MAX_BYTES;
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/big.jpg",
        exchange -> {
          exchange.sendResponseHeaders(200, 0);
          byte[] chunk = new byte[1 << 20];
          try (OutputStream body = exchange.getResponseBody()) {
            for (long sent = 0; sent <= limit; sent += chunk.length) {
              body.write(chunk);
            }
          } catch (IOException e) {
            // the client stopped reading: expected
          }
        });
    server.start();
    try {
      byte[] read =
          EmbedCommand.readImage("http://127.0.0.1:" + server.getAddress().getPort() + "/big.jpg");
      assertThat((long) read.length).isEqualTo(limit + 1);
      assertThatThrownBy(() -> ImageDecoder.defaults().decode(read))
          .isInstanceOf(ImageException.class)
          .hasMessageContaining("limit is " + limit);
    } finally {
      server.stop(0);
    }
  }

  @Test
  void producerAndDeadLetterToolsDefaultToTheJobsTopics() {
    CommandLine cli = AbcCommand.newCommandLine();
    CommandLine produce = cli.getSubcommands().get("produce");
    CommandLine list = cli.getSubcommands().get("dlq").getSubcommands().get("list");
    CommandLine replay = cli.getSubcommands().get("dlq").getSubcommands().get("replay");

    assertThat(produce.getCommandSpec().findOption("--topic").defaultValue())
        .isEqualTo(JobOptions.INPUT_TOPIC.defaultValue());
    assertThat(replay.getCommandSpec().findOption("--to").defaultValue())
        .isEqualTo(JobOptions.INPUT_TOPIC.defaultValue());
    assertThat(list.getCommandSpec().findOption("--topic").defaultValue())
        .isEqualTo(JobOptions.DLQ_TOPIC.defaultValue());
    // Uninterpolated: ABC_KAFKA_BOOTSTRAP, when set, overrides the job's default.
    assertThat(produce.getCommandSpec().findOption("--bootstrap").defaultValueString(false))
        .isEqualTo("${env:ABC_KAFKA_BOOTSTRAP:-" + JobOptions.KAFKA_BOOTSTRAP.defaultValue() + "}");
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
