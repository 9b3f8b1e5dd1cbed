package io.abcstream.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.abcstream.jobs.config.StartingOffsets.Kind;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class StartingOffsetsTest {

  @ParameterizedTest(name = "''{0}''")
  @CsvSource({
    "committed, COMMITTED, 0, EARLIEST",
    "' Committed ', COMMITTED, 0, EARLIEST",
    "earliest, EARLIEST, 0, EARLIEST",
    "LATEST, LATEST, 0, LATEST",
    "timestamp:1700000000000, TIMESTAMP, 1700000000000, LATEST",
    "timestamp:0, TIMESTAMP, 0, LATEST"
  })
  void parsesEachForm(String spec, Kind kind, long timestamp, OffsetResetStrategy reset) {
    StartingOffsets offsets = StartingOffsets.parse(spec);

    assertThat(offsets).isEqualTo(new StartingOffsets(kind, timestamp));
    assertThat(offsets.initializer().getAutoOffsetResetStrategy()).isEqualTo(reset);
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(
      strings = {"", "newest", "timestamp:", "timestamp:soon", "timestamp:1.5", "committed,latest"})
  void refusesAnythingElseNamingTheChoices(String spec) {
    assertThatThrownBy(() -> StartingOffsets.parse(spec))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "kafka.starting-offsets '"
                + spec
                + "': use committed, earliest, latest or timestamp:<epoch-millis>");
  }
}
