package io.abcstream.model.runtime;

/** A model bundle that cannot be used: missing files, unsupported format, inconsistent manifest. */
public class BundleException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BundleException(String message) {
    super(message);
  }

  public BundleException(String message, Throwable cause) {
    super(message, cause);
  }
}
