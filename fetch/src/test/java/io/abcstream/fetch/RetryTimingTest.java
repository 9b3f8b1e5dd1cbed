package io.abcstream.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.common.Backoff;
import java.time.Duration;
import java.time.Instant;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class RetryTimingTest {

  private static final Duration I = Duration.ofMillis(100);
  private static final Duration MAX = Duration.ofSeconds(2);

  /**
   * The backoff the fetcher waits, from its settings (the same numbers the fetch's own formula
   * gave).
   */
  private static Duration backoff(
      int retry, Duration initial, Duration max, double multiplier, double jitter, double random) {
    Backoff b =
        FetchConfig.fromConfiguration(
                new Configuration()
                    .set(FetchOptions.INITIAL_BACKOFF, initial)
                    .set(FetchOptions.MAX_BACKOFF, max)
                    .set(FetchOptions.BACKOFF_MULTIPLIER, multiplier)
                    .set(FetchOptions.BACKOFF_JITTER, jitter))
            .backoff();
    return b.delay(retry, () -> random);
  }

  @Test
  void exponentialCappedAndJittered() {
    assertThat(backoff(1, I, MAX, 2.0, 0.0, 0.9)).isEqualTo(Duration.ofMillis(100));
    assertThat(backoff(2, I, MAX, 2.0, 0.0, 0.9)).isEqualTo(Duration.ofMillis(200));
    assertThat(backoff(4, I, MAX, 2.0, 0.0, 0.9)).isEqualTo(Duration.ofMillis(800));
    assertThat(backoff(10, I, MAX, 2.0, 0.0, 0.9)).isEqualTo(MAX);
    assertThat(backoff(2, I, MAX, 2.0, 0.5, 1.0)).isEqualTo(Duration.ofMillis(100));
    assertThat(backoff(2, I, MAX, 2.0, 0.5, 0.0)).isEqualTo(Duration.ofMillis(200));
    assertThat(backoff(1000, I, MAX, 10.0, 0.0, 0.0)).isEqualTo(MAX); // no overflow
  }

  @Test
  void retryAfterSecondsAndDates() {
    Instant now = Instant.parse("2025-01-01T00:00:00Z");
    assertThat(RetryTiming.parseRetryAfter("1", now)).contains(Duration.ofSeconds(1));
    assertThat(RetryTiming.parseRetryAfter(" 120 ", now)).contains(Duration.ofSeconds(120));
    assertThat(RetryTiming.parseRetryAfter("Wed, 01 Jan 2025 00:00:30 GMT", now))
        .contains(Duration.ofSeconds(30));
    assertThat(RetryTiming.parseRetryAfter("Tue, 31 Dec 2024 23:59:00 GMT", now))
        .contains(Duration.ZERO);
    assertThat(RetryTiming.parseRetryAfter("99999999999999999999999", now))
        .get()
        .satisfies(d -> assertThat(d).isGreaterThan(Duration.ofDays(365)));
    assertThat(RetryTiming.parseRetryAfter("soon", now)).isEmpty();
    assertThat(RetryTiming.parseRetryAfter("-5", now)).isEmpty();
    assertThat(RetryTiming.parseRetryAfter("", now)).isEmpty();
    assertThat(RetryTiming.parseRetryAfter(null, now)).isEmpty();
  }
}
