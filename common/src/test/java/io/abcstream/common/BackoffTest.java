package io.abcstream.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BackoffTest {

  private static final Backoff BACKOFF =
      new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0, 0.5);

  @ParameterizedTest(name = "retry {0}, random {1} -> {2} ms")
  @CsvSource({
    "0, 0.0, 100", // below 1 counts as the first retry
    "1, 0.0, 100",
    "2, 0.0, 200",
    "3, 0.0, 400",
    "4, 0.0, 800",
    "5, 0.0, 1000", // capped
    "60, 0.0, 1000", // no overflow far out
    "1, 0.999999, 50", // jitter takes away up to half
    "5, 0.5, 750",
    "3, 1.5, 200" // a random value out of range is clamped
  })
  void delayFollowsTheFormula(int retry, double random, long expectedMillis) {
    assertThat(BACKOFF.delay(retry, () -> random).toMillis()).isEqualTo(expectedMillis);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "negative initial, -1, 10, 2.0, 0.1",
    "max below initial, 10, 5, 2.0, 0.1",
    "multiplier below 1, 10, 20, 0.5, 0.1",
    "jitter of 1, 10, 20, 2.0, 1.0",
    "negative jitter, 10, 20, 2.0, -0.1"
  })
  void invalidSettingsAreRefused(
      String what, long initialMs, long maxMs, double multiplier, double jitter) {
    assertThatThrownBy(
            () ->
                new Backoff(
                    Duration.ofMillis(initialMs), Duration.ofMillis(maxMs), multiplier, jitter))
        .as(what)
        .isInstanceOf(IllegalArgumentException.class);
  }
}
