package io.abcstream.fetch;

import io.abcstream.common.Throwables;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.MalformedChunkCodingException;
import org.apache.hc.core5.http.MessageConstraintException;

/**
 * The one pure decision table: HTTP status or exception → success, redirect, retry or fail (with
 * the kind).
 */
public final class FetchErrorClassifier {

  /** What to do next. */
  public enum Action {
    SUCCESS,
    REDIRECT,
    RETRY,
    FAIL
  }

  /**
   * A decision; {@code kind} is the failure kind when the fetch ends (FAIL, or RETRY once retries
   * run out).
   */
  public record Decision(Action action, FetchException.Kind kind, String reason) {
    static Decision success() {
      return new Decision(Action.SUCCESS, null, "ok");
    }

    static Decision redirect() {
      return new Decision(Action.REDIRECT, null, "redirect");
    }

    static Decision retry(FetchException.Kind kind, String reason) {
      return new Decision(Action.RETRY, kind, reason);
    }

    static Decision fail(FetchException.Kind kind, String reason) {
      return new Decision(Action.FAIL, kind, reason);
    }
  }

  private FetchErrorClassifier() {}

  public static Decision classifyStatus(int status) {
    if (status == 204 || status == 205) {
      return Decision.fail(FetchException.Kind.FAILED, "HTTP " + status + " has no content");
    }
    if (status == 206) {
      // We never send Range, so a partial body would be a truncated image.
      return Decision.fail(
          FetchException.Kind.FAILED, "HTTP 206 partial content was not requested");
    }
    if (status >= 200 && status < 300) {
      return Decision.success();
    }
    if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
      return Decision.redirect();
    }
    if (status == 408 || status == 425 || status == 429) {
      return Decision.retry(FetchException.Kind.FAILED, "HTTP " + status);
    }
    if (status == 501 || status == 505) {
      // The server will not change its mind about a method or protocol version.
      return Decision.fail(FetchException.Kind.FAILED, "HTTP " + status);
    }
    if (status >= 500 && status < 600) {
      return Decision.retry(FetchException.Kind.FAILED, "HTTP " + status);
    }
    return Decision.fail(FetchException.Kind.FAILED, "HTTP " + status);
  }

  public static Decision classifyException(Throwable t) {
    Throwable e = Throwables.unwrap(t);
    if (e instanceof FetchException fe) {
      return fe.retryable()
          ? Decision.retry(fe.kind(), fe.getMessage())
          : Decision.fail(fe.kind(), fe.getMessage());
    }
    if (e instanceof UnknownHostException) {
      return Decision.fail(FetchException.Kind.FAILED, "unknown host: " + e.getMessage());
    }
    if (e instanceof SSLException) {
      // Certificate and handshake problems are configuration, not transient.
      return Decision.fail(FetchException.Kind.FAILED, "TLS: " + e.getMessage());
    }
    if (e instanceof InterruptedIOException || e instanceof TimeoutException) {
      // Connect timeouts (ConnectTimeoutException), read timeouts (SocketTimeoutException), our
      // attempt timer.
      return Decision.retry(FetchException.Kind.FAILED, "timeout: " + Throwables.describe(e));
    }
    if (e instanceof ConnectException || e instanceof NoRouteToHostException) {
      return Decision.retry(
          FetchException.Kind.FAILED, "connection failed: " + Throwables.describe(e));
    }
    if (e instanceof SocketException || e instanceof EOFException) {
      return Decision.retry(
          FetchException.Kind.FAILED, "connection error: " + Throwables.describe(e));
    }
    if (e instanceof MessageConstraintException || e instanceof MalformedChunkCodingException) {
      // A head line too long, too many headers or trailers, a bad chunk-size line: the server
      // will send the same bytes again, and a retry would only read them again.
      return Decision.fail(FetchException.Kind.FAILED, "protocol error: " + Throwables.describe(e));
    }
    if (e instanceof ConnectionClosedException) {
      return Decision.retry(
          FetchException.Kind.FAILED, "connection closed: " + Throwables.describe(e));
    }
    if (e instanceof HttpException) { // ProtocolException included
      return Decision.fail(FetchException.Kind.FAILED, "protocol error: " + Throwables.describe(e));
    }
    if (e instanceof CancellationException) {
      return Decision.fail(FetchException.Kind.FAILED, "cancelled");
    }
    if (e instanceof IOException) {
      return Decision.retry(FetchException.Kind.FAILED, "I/O error: " + Throwables.describe(e));
    }
    return Decision.fail(FetchException.Kind.FAILED, "unexpected: " + Throwables.describe(e));
  }
}
