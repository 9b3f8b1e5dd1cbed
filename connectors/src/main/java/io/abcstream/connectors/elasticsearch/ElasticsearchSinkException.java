package io.abcstream.connectors.elasticsearch;

/** A fatal sink failure whose message says what to fix. */
public class ElasticsearchSinkException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ElasticsearchSinkException(String message) {
    super(message);
  }

  public ElasticsearchSinkException(String message, Throwable cause) {
    super(message, cause);
  }
}
