package io.abcstream.jobs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.abcstream.jobs.config.JobOptions;
import io.abcstream.jobs.dlq.DeadLetterFilter;
import io.abcstream.jobs.dlq.DeadLetterReplayer;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Lists dead letters and replays chosen ones into the input topic. */
@Command(
    name = "dlq",
    mixinStandardHelpOptions = true,
    description = "Inspect the dead-letter topic and replay chosen failures.",
    subcommands = {DlqCommand.ListCommand.class, DlqCommand.ReplayCommand.class})
final class DlqCommand implements Runnable {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Options shared by list and replay. */
  static final class Selection {
    @Mixin KafkaArgs kafka;

    @Option(
        names = "--topic",
        defaultValue = JobOptions.DEFAULT_DLQ_TOPIC,
        description = "dead-letter topic (default ${DEFAULT-VALUE})")
    String topic;

    @Option(
        names = "--class",
        description = "only this error class (repeatable), e.g. FETCH_FAILED")
    Set<ErrorClass> classes = new HashSet<>();

    @Option(names = "--stage", description = "only this stage (repeatable), e.g. FETCH")
    Set<FailureStage> stages = new HashSet<>();

    @Option(names = "--request-id", description = "only this request (repeatable)")
    Set<String> requestIds = new HashSet<>();

    @Option(names = "--since", description = "only failures at or after this ISO-8601 instant")
    Instant since;

    DeadLetterReplayer replayer() {
      return new DeadLetterReplayer(kafka.clientProperties(), kafka.recordFormat());
    }

    DeadLetterFilter filter() {
      return new DeadLetterFilter(classes, stages, requestIds, since);
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Print matching failures as JSON lines.")
  static final class ListCommand implements Callable<Integer> {
    @Mixin Selection selection;

    @Override
    public Integer call() {
      ObjectMapper json = new ObjectMapper();
      DeadLetterReplayer.Summary summary =
          selection
              .replayer()
              .scan(
                  selection.topic,
                  selection.filter(),
                  f -> {
                    ObjectNode line = json.createObjectNode();
                    line.put("request_id", f.getRequestId());
                    line.put("instruction", f.getInstruction());
                    line.put("stage", f.getStage().name());
                    line.put("error_class", f.getErrorClass().name());
                    line.put("message", f.getMessage());
                    line.put("attempts", f.getAttempts());
                    line.put("failed_at", f.getFailedAt().toString());
                    if (f.getOriginalValueTruncated()) {
                      line.put("original_value_truncated", true);
                      line.put("original_value_length", f.getOriginalValueLength());
                      line.put("original_value_sha256", f.getOriginalValueSha256());
                    }
                    line.put(
                        "source",
                        f.getSourceTopic()
                            + "/"
                            + f.getSourcePartition()
                            + "@"
                            + f.getSourceOffset());
                    System.out.println(line);
                  });
      System.err.println(
          summary.matched()
              + " of "
              + summary.read()
              + " dead letters matched"
              + (summary.undecodable() > 0 ? " (" + summary.undecodable() + " undecodable)" : ""));
      return 0;
    }
  }

  @Command(
      name = "replay",
      mixinStandardHelpOptions = true,
      description =
          "Re-publish matching failures' original records to the input topic (idempotent: document ids are deterministic).")
  static final class ReplayCommand implements Callable<Integer> {
    @Mixin Selection selection;

    @Option(
        names = "--to",
        defaultValue = JobOptions.DEFAULT_INPUT_TOPIC,
        description = "input topic (default ${DEFAULT-VALUE})")
    String inputTopic;

    @Option(names = "--dry-run", description = "count what would be replayed, publish nothing")
    boolean dryRun;

    @Override
    public Integer call() {
      DeadLetterReplayer.Summary s =
          selection.replayer().replay(selection.topic, inputTopic, selection.filter(), dryRun);
      System.out.println(
          (dryRun ? "would replay " : "replayed ")
              + s.replayed()
              + " of "
              + s.matched()
              + " matching dead letters ("
              + s.read()
              + " read; "
              + s.skipped()
              + " skipped: undecodable originals or no original value)");
      if (s.truncated() > 0) {
        System.out.println(
            s.truncated()
                + " of the skipped dead letters hold a truncated original (cut to"
                + " kafka.dlq-max-record-size; original_value_length and original_value_sha256"
                + " name the whole record): not replayed half; re-publish those from their source"
                + " topic/partition@offset (abc dlq list shows them)");
      }
      return 0;
    }
  }
}
