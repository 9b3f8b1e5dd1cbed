package io.abcstream.connectors.elasticsearch;

import java.util.Objects;

/**
 * An operation the cluster rejected for good, with why: {@code errorType} is Elasticsearch's {@code
 * error.type} (or {@code retries_exhausted}), {@code status} the HTTP status (-1 if none), {@code
 * attempts} how many times it was sent.
 */
public record DeadLetter(
    IndexOperation operation, String reason, String errorType, int status, int attempts) {

  public DeadLetter {
    Objects.requireNonNull(operation, "operation");
    reason = reason == null ? "" : reason;
  }

  /** {@code "HTTP 400 document_parsing_exception: reason"}. */
  public String describe() {
    return (status > 0 ? "HTTP " + status + " " : "")
        + (errorType == null ? "" : errorType + ": ")
        + reason;
  }
}
