package io.abcstream.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  private final RetryPolicy policy =
      new RetryPolicy(
          5, Duration.ofMillis(100), Duration.ofSeconds(1), RetryPolicy.ExhaustedAction.FAIL);

  @Test
  void backoffDoublesAndIsCapped() {
    assertThat(millis(1, 0)).isEqualTo(100);
    assertThat(millis(2, 0)).isEqualTo(200);
    assertThat(millis(4, 0)).isEqualTo(800);
    assertThat(millis(5, 0)).isEqualTo(1000);
    assertThat(millis(60, 0)).isEqualTo(1000);
  }

  @Test
  void jitterTakesAwayAtMostHalf() {
    assertThat(millis(2, 0.999)).isBetween(100L, 101L);
    assertThat(millis(2, 0.5)).isEqualTo(150);
  }

  private long millis(int failedAttempts, double random) {
    return policy.backoff().delay(failedAttempts, () -> random).toMillis();
  }

  @Test
  void exhaustedAfterMaxAttempts() {
    assertThat(policy.exhausted(4)).isFalse();
    assertThat(policy.exhausted(5)).isTrue();
  }

  @Test
  void rejectsInconsistentSettings() {
    assertThatThrownBy(
            () ->
                new RetryPolicy(0, Duration.ZERO, Duration.ZERO, RetryPolicy.ExhaustedAction.FAIL))
        .hasMessageContaining("max attempts");
    assertThatThrownBy(
            () ->
                new RetryPolicy(
                    3,
                    Duration.ofSeconds(2),
                    Duration.ofSeconds(1),
                    RetryPolicy.ExhaustedAction.FAIL))
        .hasMessageContaining("initial backoff");
  }
}
