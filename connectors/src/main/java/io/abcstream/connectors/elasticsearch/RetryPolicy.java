package io.abcstream.connectors.elasticsearch;

import io.abcstream.common.Backoff;
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
public record RetryPolicy(
    int maxAttempts, Duration initialBackoff, Duration maxBackoff, ExhaustedAction exhaustedAction)
    implements Serializable {

  private static final long serialVersionUID = 1L;

  /**
   * The delay doubles per failed attempt; jitter takes away up to half, so writers do not retry in
   * lockstep.
   */
  private static final double MULTIPLIER = 2.0;

  private static final double JITTER = 0.5;

  /** What to do with an operation whose retryable failures exceeded {@code maxAttempts}. */
  public enum ExhaustedAction {
    /** Fail the job with the last error (default). */
    FAIL,
    /** Send the operation to the dead-letter handler with error type {@code retries_exhausted}. */
    DEAD_LETTER
  }

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException(
          "max attempts ("
              + ElasticsearchSinkOptions.RETRY_MAX_ATTEMPTS.key()
              + ") must be >= 1, got "
              + maxAttempts);
    }
    Objects.requireNonNull(initialBackoff, ElasticsearchSinkOptions.RETRY_INITIAL_BACKOFF.key());
    Objects.requireNonNull(maxBackoff, ElasticsearchSinkOptions.RETRY_MAX_BACKOFF.key());
    if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException(
          "need 0 <= initial backoff ("
              + ElasticsearchSinkOptions.RETRY_INITIAL_BACKOFF.key()
              + ") <= max backoff ("
              + ElasticsearchSinkOptions.RETRY_MAX_BACKOFF.key()
              + "), got "
              + initialBackoff
              + " and "
              + maxBackoff);
    }
    Objects.requireNonNull(exhaustedAction, ElasticsearchSinkOptions.RETRY_ON_EXHAUSTED.key());
  }

  /**
   * True when an operation that has now failed {@code failedAttempts} times may not be sent again.
   */
  public boolean exhausted(int failedAttempts) {
    return failedAttempts >= maxAttempts;
  }

  /**
   * The delay before the next send after n failures: {@code delay(n, random)} is initial * 2^(n-1),
   * capped, less up to half.
   */
  public Backoff backoff() {
    return new Backoff(initialBackoff, maxBackoff, MULTIPLIER, JITTER);
  }

  @Override
  public String toString() {
    return "RetryPolicy{maxAttempts="
        + maxAttempts
        + ", backoff="
        + initialBackoff
        + ".."
        + maxBackoff
        + ", onExhausted="
        + exhaustedAction
        + "}";
  }
}
