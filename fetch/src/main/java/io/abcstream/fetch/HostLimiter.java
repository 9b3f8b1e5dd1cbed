package io.abcstream.fetch;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
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

  /**
   * The key of a host name: case and trailing dots do not make a second host ({@code Images.Test.}
   * and {@code images.test} share one limit).
   */
  static String hostKey(String host, int port) {
    String h = host.toLowerCase(Locale.ROOT);
    int end = h.length();
    while (end > 0 && h.charAt(end - 1) == '.') {
      end--;
    }
    return h.substring(0, end) + ":" + port;
  }

  /**
   * The key of the address a connection goes to; its own key space, so an IP literal host does not
   * count twice against itself.
   */
  static String addressKey(InetAddress address, int port) {
    return "@" + address.getHostAddress() + ":" + port;
  }

  /**
   * One permit over several keys, taken in the given order (callers always pass host before
   * address, and nobody waits while holding an address slot, so there is no cycle). Cancelling the
   * future gives up the place in whichever queue it waits in and frees the slots already taken.
   */
  CompletableFuture<Permit> acquireAll(List<String> keys) {
    CompletableFuture<Permit> out = new CompletableFuture<>();
    step(keys, 0, new ArrayList<>(), out);
    return out;
  }

  private void step(List<String> keys, int i, List<Permit> held, CompletableFuture<Permit> out) {
    if (i == keys.size()) {
      List<Permit> all = List.copyOf(held);
      Permit combined = () -> all.forEach(Permit::release);
      if (!out.complete(combined)) {
        combined.release();
      }
      return;
    }
    CompletableFuture<Permit> next = acquire(keys.get(i));
    out.whenComplete((p, e) -> next.cancel(false));
    next.whenComplete(
        (p, e) -> {
          if (e != null) {
            held.forEach(Permit::release);
            return;
          }
          if (out.isDone()) {
            p.release();
            held.forEach(Permit::release);
            return;
          }
          held.add(p);
          step(keys, i + 1, held, out);
        });
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
