package io.abcstream.connectors.elasticsearch;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * Bounded exponential backoff for retryable outcomes, and what happens when the attempts run out.
 *
 * <p>Default on exhaustion: {@link ExhaustedAction#FAIL}. A retryable error (429, 503, connection
 * refused) says the cluster is unwell, not that the document is bad, so dead-lettering it would
 * turn an outage into data loss; failing the job hands recovery to Flink's restart strategy, which
 * replays from the last checkpoint (idempotent ids make that safe).
 */
public final class RetryPolicy implements Serializable {

  private static final long serialVersionUID = 1L;

  /** What to do with an operation whose retryable failures exceeded {@code maxAttempts}. */
  public enum ExhaustedAction {
    /** Fail the job with the last error (default). */
    FAIL,
    /** Send the operation to the dead-letter handler with error type {@code retries_exhausted}. */
    DEAD_LETTER
  }

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final ExhaustedAction exhaustedAction;

  public RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, ExhaustedAction exhaustedAction) {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("max attempts must be >= 1, got " + maxAttempts);
    }
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException(
          "need 0 <= initial backoff <= max backoff, got " + initialBackoff + " and " + maxBackoff);
    }
    this.maxAttempts = maxAttempts;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.exhaustedAction = Objects.requireNonNull(exhaustedAction, "exhaustedAction");
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  public Duration initialBackoff() {
    return initialBackoff;
  }

  public Duration maxBackoff() {
    return maxBackoff;
  }

  public ExhaustedAction exhaustedAction() {
    return exhaustedAction;
  }

  /** True when an operation that has now failed {@code failedAttempts} times may not be sent again. */
  public boolean exhausted(int failedAttempts) {
    return failedAttempts >= maxAttempts;
  }

  /**
   * Delay before the next send after {@code failedAttempts} (>= 1) failures: initial * 2^(n-1),
   * capped; {@code jitter} in [0,1) takes away up to half, so that writers do not retry in lockstep.
   */
  public long backoffMillis(int failedAttempts, double jitter) {
    long initial = initialBackoff.toMillis();
    int shift = Math.min(Math.max(failedAttempts - 1, 0), 30);
    long exponential = initial << shift;
    long capped = (exponential < 0 || exponential > maxBackoff.toMillis()) ? maxBackoff.toMillis() : exponential;
    return capped - (long) (capped / 2.0 * Math.min(Math.max(jitter, 0.0), 0.999999));
  }

  @Override
  public String toString() {
    return "RetryPolicy{maxAttempts=" + maxAttempts + ", backoff=" + initialBackoff + ".." + maxBackoff
        + ", onExhausted=" + exhaustedAction + "}";
  }
}
