package io.abcstream.jobs.cli;

import io.abcstream.jobs.config.JobOptions;
import io.abcstream.schemas.codec.RecordCodec;
import java.util.Properties;
import picocli.CommandLine.Option;

/** Which Kafka cluster a command talks to and how its records are encoded. */
final class KafkaArgs {

  @Option(
      names = "--bootstrap",
      defaultValue = "${env:ABC_KAFKA_BOOTSTRAP:-" + JobOptions.DEFAULT_BOOTSTRAP_SERVERS + "}",
      description = "Kafka bootstrap servers (default ${DEFAULT-VALUE})")
  String bootstrap;

  @Option(
      names = "--format",
      defaultValue = "avro",
      description = "avro or json (default ${DEFAULT-VALUE})")
  String format;

  /** Client properties with the bootstrap servers set. */
  Properties clientProperties() {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    return props;
  }

  RecordCodec.Format recordFormat() {
    return RecordCodec.Format.parse(format);
  }
}
