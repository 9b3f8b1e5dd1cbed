package io.abcstream.fetch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.nio.AsyncResponseConsumer;
import org.apache.hc.core5.http.nio.CapacityChannel;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * Streams a response body into memory and aborts the exchange the moment it passes the byte limit
 * (declared Content-Length or bytes seen so far), so an oversized body is never read to the end.
 */
final class LimitedBodyConsumer implements AsyncResponseConsumer<LimitedBodyConsumer.Outcome> {

  /**
   * Error responses are drained up to this much (to keep the connection reusable), then the
   * exchange aborts.
   */
  static final int ERROR_BODY_CAP = 64 * 1024;

  private static final int CHUNK = 64 * 1024;

  /** Status line facts and, for 2xx, the body. */
  record Outcome(int status, String location, String retryAfter, byte[] body) {}

  /** The body passed the byte limit; the exchange is aborted. */
  static final class BodyTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    BodyTooLargeException(String message) {
      super(message);
    }
  }

  /**
   * An error response whose body we refuse to drain; carries the status so the caller can still
   * classify it.
   */
  static final class ErrorResponseAbort extends IOException {
    private static final long serialVersionUID = 1L;
    final transient Outcome outcome;

    ErrorResponseAbort(Outcome outcome) {
      super("HTTP " + outcome.status() + " with a body over " + ERROR_BODY_CAP + " bytes");
      this.outcome = outcome;
    }
  }

  private final long maxBytes;
  private FutureCallback<Outcome> callback;
  private int status;
  private String location;
  private String retryAfter;
  private boolean success;
  private long received;
  private byte[] buf = new byte[0];
  private int len;

  LimitedBodyConsumer(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  @Override
  public void consumeResponse(
      HttpResponse response,
      EntityDetails entity,
      HttpContext context,
      FutureCallback<Outcome> resultCallback)
      throws IOException {
    this.callback = resultCallback;
    this.status = response.getCode();
    this.location = header(response, "Location");
    this.retryAfter = header(response, "Retry-After");
    this.success = status >= 200 && status < 300;
    if (entity == null) {
      resultCallback.completed(outcome());
      return;
    }
    long declared = entity.getContentLength();
    if (success && declared > maxBytes) {
      throw new BodyTooLargeException(
          "Content-Length " + declared + " exceeds the limit of " + maxBytes + " bytes");
    }
    if (success) {
      buf = new byte[(int) Math.min(declared >= 0 ? declared : CHUNK, maxBytes)];
    }
  }

  @Override
  public void informationResponse(HttpResponse response, HttpContext context) {}

  @Override
  public void updateCapacity(CapacityChannel capacityChannel) throws IOException {
    capacityChannel.update(CHUNK);
  }

  @Override
  public void consume(ByteBuffer src) throws IOException {
    int n = src.remaining();
    received += n;
    if (!success) {
      src.position(src.limit());
      if (received > ERROR_BODY_CAP) {
        throw new ErrorResponseAbort(new Outcome(status, location, retryAfter, null));
      }
      return;
    }
    if (received > maxBytes) {
      throw new BodyTooLargeException("body exceeds the limit of " + maxBytes + " bytes");
    }
    if (len + n > buf.length) {
      buf =
          Arrays.copyOf(
              buf, (int) Math.min(maxBytes, Math.max((long) buf.length * 2, (long) len + n)));
    }
    src.get(buf, len, n);
    len += n;
  }

  @Override
  public void streamEnd(List<? extends Header> trailers) {
    callback.completed(outcome());
  }

  @Override
  public void failed(Exception cause) {
    // The exchange reports the failure to the execute() callback; nothing to add here.
  }

  @Override
  public void releaseResources() {
    buf = null;
  }

  private Outcome outcome() {
    byte[] body = null;
    if (success) {
      body = buf == null ? new byte[0] : (len == buf.length ? buf : Arrays.copyOf(buf, len));
    }
    return new Outcome(status, location, retryAfter, body);
  }

  private static String header(HttpResponse r, String name) {
    Header h = r.getFirstHeader(name);
    return h == null ? null : h.getValue();
  }
}
