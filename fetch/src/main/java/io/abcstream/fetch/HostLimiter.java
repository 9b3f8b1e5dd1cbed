package io.abcstream.fetch;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Non-blocking per-host concurrency limit: requests over the limit queue (FIFO) instead of failing.
 */
final class HostLimiter {

  /** A held slot; {@link #release()} is idempotent. */
  interface Permit {
    void release();
  }

  private final int limit;
  private final Map<String, Slot> slots = new HashMap<>();

  private static final class Slot {
    int active;
    final ArrayDeque<CompletableFuture<Permit>> waiters = new ArrayDeque<>();
  }

  HostLimiter(int limit) {
    this.limit = limit;
  }

  /**
   * A future for a permit on {@code key}. Cancelling the future gives up the place in the queue; a
   * caller that receives a permit it no longer needs must release it.
   */
  CompletableFuture<Permit> acquire(String key) {
    synchronized (this) {
      Slot s = slots.computeIfAbsent(key, k -> new Slot());
      if (s.active < limit) {
        s.active++;
        return CompletableFuture.completedFuture(permit(key));
      }
      CompletableFuture<Permit> f = new CompletableFuture<>();
      s.waiters.add(f);
      return f;
    }
  }

  private Permit permit(String key) {
    AtomicBoolean released = new AtomicBoolean();
    return () -> {
      if (released.compareAndSet(false, true)) {
        handOver(key);
      }
    };
  }

  /**
   * Gives the slot to the next live waiter, or frees it. Futures are completed outside the lock.
   */
  private void handOver(String key) {
    while (true) {
      CompletableFuture<Permit> next;
      synchronized (this) {
        Slot s = slots.get(key);
        next = s.waiters.poll();
        if (next == null) {
          s.active--;
          if (s.active == 0) {
            slots.remove(key);
          }
          return;
        }
      }
      if (next.complete(permit(key))) {
        return; // slot handed over, active count unchanged
      }
      // that waiter was cancelled meanwhile: try the next one
    }
  }

  /** Active permits on {@code key} (for tests and metrics). */
  synchronized int active(String key) {
    Slot s = slots.get(key);
    return s == null ? 0 : s.active;
  }

  synchronized int queued(String key) {
    Slot s = slots.get(key);
    return s == null ? 0 : (int) s.waiters.stream().filter(f -> !f.isDone()).count();
  }
}
