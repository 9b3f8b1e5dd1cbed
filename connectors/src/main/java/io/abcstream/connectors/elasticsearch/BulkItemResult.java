package io.abcstream.connectors.elasticsearch;

/**
 * A bulk item's answer in a client-neutral form: HTTP status plus {@code error.type}/{@code
 * error.reason} if any.
 */
public record BulkItemResult(int status, String errorType, String reason) {

  public static BulkItemResult ok(int status) {
    return new BulkItemResult(status, null, null);
  }

  public static BulkItemResult error(int status, String errorType, String reason) {
    return new BulkItemResult(status, errorType, reason);
  }

  /** {@code "HTTP 400 document_parsing_exception: reason"}, for logs and dead letters. */
  public String describe() {
    return "HTTP "
        + status
        + (errorType == null ? "" : " " + errorType)
        + (reason == null ? "" : ": " + reason);
  }
}
