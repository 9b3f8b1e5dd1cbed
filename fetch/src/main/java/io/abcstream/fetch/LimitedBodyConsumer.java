package io.abcstream.fetch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.nio.AsyncResponseConsumer;
import org.apache.hc.core5.http.nio.CapacityChannel;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * Streams a response body into memory under the fetcher's byte budget and aborts the exchange the
 * moment it passes the byte limit (declared Content-Length or bytes seen so far).
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
  private final ByteBudget budget;
  private final Runnable retryGrant = this::grant;
  private FutureCallback<Outcome> callback;
  private int status;
  private String location;
  private String retryAfter;
  private boolean success;
  private long received;
  // The body in chunks allocated as bytes arrive, never to the declared length: a server that
  // declares 20 MB and sends 1 kB costs 1 kB plus one chunk.
  private final List<byte[]> chunks = new ArrayList<>();
  private int lastFill;
  private CapacityChannel channel;
  // Budget held: bytes stored plus capacity granted but not yet received.
  private long reserved;
  private long granted;
  private boolean waiting;
  private boolean done;

  LimitedBodyConsumer(long maxBytes, ByteBudget budget) {
    this.maxBytes = maxBytes;
    this.budget = budget;
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
  }

  @Override
  public void informationResponse(HttpResponse response, HttpContext context) {}

  @Override
  public synchronized void updateCapacity(CapacityChannel capacityChannel) throws IOException {
    if (!success) {
      // Error bodies are discarded as they arrive and cut at ERROR_BODY_CAP: no budget needed.
      capacityChannel.update(CHUNK);
      return;
    }
    channel = capacityChannel;
    grant();
  }

  /**
   * Answers the connection's request for more capacity (it asks when its window is spent): one more
   * chunk when the budget has room; otherwise reading stays paused (the reactor stops selecting
   * this socket) until another fetch releases bytes and this runs again.
   */
  private synchronized void grant() {
    waiting = false;
    if (done || channel == null) {
      return;
    }
    if (!budget.acquireOrWait(CHUNK, retryGrant)) {
      waiting = true;
      return;
    }
    reserved += CHUNK;
    granted += CHUNK;
    try {
      channel.update(CHUNK);
    } catch (IOException e) {
      // The connection is gone; the exchange reports that on its own.
    }
  }

  @Override
  public synchronized void consume(ByteBuffer src) throws IOException {
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
    long covered = Math.min(n, granted);
    granted -= covered;
    if (n > covered) {
      // The connection's first window is read before any grant: account for it all the same.
      budget.forceAcquire(n - covered);
      reserved += n - covered;
    }
    while (src.hasRemaining()) {
      if (chunks.isEmpty() || lastFill == CHUNK) {
        chunks.add(new byte[CHUNK]);
        lastFill = 0;
      }
      int take = Math.min(src.remaining(), CHUNK - lastFill);
      src.get(chunks.get(chunks.size() - 1), lastFill, take);
      lastFill += take;
    }
  }

  @Override
  public void streamEnd(List<? extends Header> trailers) {
    Outcome o;
    synchronized (this) {
      o = outcome();
    }
    release();
    callback.completed(o);
  }

  @Override
  public void failed(Exception cause) {
    // The exchange reports the failure to the execute() callback; only the budget is ours.
    release();
  }

  @Override
  public void releaseResources() {
    release();
  }

  /**
   * Frees the chunks and gives the budget back; idempotent, safe from any thread. The budget is
   * released outside this consumer's lock: releasing wakes other consumers, which take theirs.
   */
  void release() {
    long r;
    synchronized (this) {
      if (done) {
        return;
      }
      done = true;
      chunks.clear();
      if (waiting) {
        budget.cancelWait(retryGrant);
      }
      r = reserved;
      reserved = 0;
      granted = 0;
    }
    budget.release(r);
  }

  /** Budget this exchange holds (for tests). */
  synchronized long reserved() {
    return reserved;
  }

  private Outcome outcome() {
    byte[] body = null;
    if (success) {
      body = new byte[(int) received];
      int off = 0;
      for (byte[] c : chunks) {
        int take = (int) Math.min(c.length, received - off);
        System.arraycopy(c, 0, body, off, take);
        off += take;
      }
    }
    return new Outcome(status, location, retryAfter, body);
  }

  private static String header(HttpResponse r, String name) {
    Header h = r.getFirstHeader(name);
    return h == null ? null : h.getValue();
  }
}
