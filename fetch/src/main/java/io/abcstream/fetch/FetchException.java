package io.abcstream.fetch;

import io.abcstream.common.UriRedaction;

/**
 * Why a fetch did not produce image bytes, by {@link Kind}. Which dead-letter class a kind becomes
 * is the operator's decision, not this module's.
 */
public final class FetchException extends Exception {

  private static final long serialVersionUID = 1L;

  /** Failure kinds. */
  public enum Kind {
    /** The policy refused it: address, scheme, file root, userinfo or port. */
    FORBIDDEN,
    /**
     * The source did not deliver: 4xx, exhausted retries, timeouts, redirects, refused connections.
     */
    FAILED,
    /** The byte limit was exceeded (declared, estimated or while streaming). */
    TOO_LARGE,
    /** The bytes are not a known image format. */
    UNDECODABLE,
    /** The reference itself is malformed (unparseable URI, bad data: URI). */
    INVALID_REFERENCE
  }

  private final Kind kind;
  private final boolean retryable;
  private final int attempts;

  public FetchException(
      Kind kind, String message, boolean retryable, int attempts, Throwable cause) {
    super(UriRedaction.redact(message), cause); // pre-signed URLs carry credentials
    if (kind == null) {
      throw new IllegalArgumentException("kind must not be null");
    }
    this.kind = kind;
    this.retryable = retryable;
    this.attempts = attempts;
  }

  public static FetchException forbidden(String message) {
    return new FetchException(Kind.FORBIDDEN, message, false, 0, null);
  }

  public static FetchException failed(String message, boolean retryable, Throwable cause) {
    return new FetchException(Kind.FAILED, message, retryable, 0, cause);
  }

  public static FetchException tooLarge(String message) {
    return new FetchException(Kind.TOO_LARGE, message, false, 0, null);
  }

  public static FetchException undecodable(String message) {
    return new FetchException(Kind.UNDECODABLE, message, false, 0, null);
  }

  public static FetchException invalid(String message, Throwable cause) {
    return new FetchException(Kind.INVALID_REFERENCE, message, false, 0, cause);
  }

  /** The same failure, stamped with how many attempts the fetch made. */
  public FetchException withAttempts(int attempts) {
    if (attempts == this.attempts) {
      return this;
    }
    FetchException copy = new FetchException(kind, getMessage(), retryable, attempts, getCause());
    copy.setStackTrace(getStackTrace());
    return copy;
  }

  public Kind kind() {
    return kind;
  }

  /**
   * True when the same request may succeed later (transient source trouble), false when it never
   * will.
   */
  public boolean retryable() {
    return retryable;
  }

  /**
   * Attempts made before giving up; 0 when the failure happened before any attempt (e.g. policy).
   */
  public int attempts() {
    return attempts;
  }

  @Override
  public String toString() {
    return "FetchException["
        + kind
        + (retryable ? ", retryable" : "")
        + ", attempts="
        + attempts
        + "]: "
        + getMessage();
  }
}
