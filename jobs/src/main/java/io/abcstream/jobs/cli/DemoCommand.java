package io.abcstream.jobs.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** The end-to-end demo; it arrives with the streaming job. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Run the pipeline end to end on the local stack with the tiny bundled model.")
final class DemoCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    System.out.println(
        "abc demo arrives with the streaming job (issue: Kafka -> ABC -> Elasticsearch)."
            + " Until then: ./abc stack up, ./abc stack status.");
    return 0;
  }
}
