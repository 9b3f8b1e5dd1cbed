package io.abcstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class EmbeddingJobMainTest {

  @TempDir Path dir;

  @Test
  void takesOverridesAsAbcRunDoesAndInTheAttachedForm() throws Exception {
    Path yaml = dir.resolve("job.yaml");
    Files.writeString(
        yaml, "kafka:\n  input-topic: from-file\n  group-id: from-file\njob:\n  name: from-file\n");

    Configuration conf =
        EmbeddingJobMain.configuration(
            "--config",
            yaml.toString(),
            "-D",
            "kafka.input-topic=separate",
            "-Dkafka.group-id=attached");

    assertThat(conf.getString("kafka.input-topic", null)).isEqualTo("separate");
    assertThat(conf.getString("kafka.group-id", null)).isEqualTo("attached");
    assertThat(conf.getString("job.name", null)).isEqualTo("from-file");
    // The job's Flink defaults still apply under the user's keys.
    assertThat(conf.getString("restart-strategy.type", null)).isEqualTo("exponential-delay");
  }

  @Test
  void anUnknownArgumentIsAUsageError() {
    assertThatThrownBy(() -> EmbeddingJobMain.configuration("--confgi", "job.yaml"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--confgi");
  }

  @Test
  void anOverrideWithoutAValueIsRefused() {
    assertThatThrownBy(() -> EmbeddingJobMain.configuration("-D", "kafka.input-topic"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be key=value");
  }
}
