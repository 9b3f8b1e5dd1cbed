package io.abcstream.common;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Failure helpers shared by every error classifier. */
public final class Throwables {

  private Throwables() {}

  /**
   * The failure a future's wrapper hides: strips {@link CompletionException} and {@link
   * ExecutionException} layers (a wrapper without a cause is kept, it is all there is).
   */
  public static Throwable unwrap(Throwable failure) {
    Throwable current = failure;
    while ((current instanceof CompletionException || current instanceof ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }

  /** {@code SimpleName: message}, or just the simple name when there is no message. */
  public static String describe(Throwable failure) {
    String message = failure.getMessage();
    return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
