package io.abcstream.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.jobs.config.JobOptions;
import io.abcstream.schemas.codec.RecordCodec;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class KafkaArgsTest {

  @Test
  void produceAndDlqReadTheSameKafkaOptions() {
    ProduceCommand produce = new ProduceCommand();
    new CommandLine(produce)
        .parseArgs("--image", "x.png", "--bootstrap", "kafka:9093", "--format", "json");
    DlqCommand.ListCommand list = new DlqCommand.ListCommand();
    new CommandLine(list).parseArgs("--bootstrap", "kafka:9093", "--format", "json");

    for (KafkaArgs kafka : new KafkaArgs[] {produce.kafka, list.selection.kafka}) {
      assertThat(kafka.clientProperties()).containsEntry("bootstrap.servers", "kafka:9093");
      assertThat(kafka.recordFormat()).isEqualTo(RecordCodec.Format.JSON);
    }
  }

  @Test
  void defaultsAreTheJobsBootstrapServersAndAvro() {
    ProduceCommand produce = new ProduceCommand();
    new CommandLine(produce).parseArgs("--image", "x.png");
    String expected =
        System.getenv().getOrDefault("ABC_KAFKA_BOOTSTRAP", JobOptions.DEFAULT_BOOTSTRAP_SERVERS);
    assertThat(produce.kafka.clientProperties()).containsEntry("bootstrap.servers", expected);
    assertThat(produce.kafka.recordFormat()).isEqualTo(RecordCodec.Format.AVRO);
  }
}
