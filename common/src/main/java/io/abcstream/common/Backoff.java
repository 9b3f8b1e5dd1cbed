package io.abcstream.common;

import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * Exponential retry backoff with jitter: retry {@code n} (1 = the first retry) waits {@code initial
 * * multiplier^(n-1)}, capped at {@code max}, then shortened by up to {@code jitter} (a fraction in
 * [0, 1)) so that many clients do not retry in step.
 */
public record Backoff(Duration initial, Duration max, double multiplier, double jitter) {

  public Backoff {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(max, "max");
    if (initial.isNegative()) {
      throw new IllegalArgumentException("initial backoff must be >= 0, got " + initial);
    }
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException(
          "max backoff (" + max + ") must be >= initial backoff (" + initial + ")");
    }
    if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
      throw new IllegalArgumentException(
          "backoff multiplier must be a finite number >= 1, got " + multiplier);
    }
    if (!(jitter >= 0.0 && jitter < 1.0)) {
      throw new IllegalArgumentException("backoff jitter must be in [0, 1), got " + jitter);
    }
  }

  /**
   * The wait before retry number {@code retry} (values below 1 count as 1); {@code random} gives a
   * number in [0, 1) that picks how much of the jitter is taken away.
   */
  public Duration delay(int retry, DoubleSupplier random) {
    double exponent = Math.max(0, retry - 1);
    double base = initial.toNanos() * Math.pow(multiplier, exponent);
    double capped = Math.min(base, (double) max.toNanos());
    double r = Math.min(Math.max(random.getAsDouble(), 0.0), 1.0);
    return Duration.ofNanos((long) Math.max(0.0, capped * (1.0 - jitter * r)));
  }
}
