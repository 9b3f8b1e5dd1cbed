package io.abcstream.fetch;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The body bytes one fetcher may hold at once; a consumer that finds it spent waits (without a
 * thread) until bytes are released.
 */
final class ByteBudget {

  private final long limit;
  private long used;
  private final Set<Runnable> waiters = new LinkedHashSet<>();

  ByteBudget(long limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1, got " + limit);
    }
    this.limit = limit;
  }

  /** Takes {@code n} bytes if they fit. */
  synchronized boolean tryAcquire(long n) {
    if (used + n > limit) {
      return false;
    }
    used += n;
    return true;
  }

  /**
   * Takes {@code n} bytes whether or not they fit: for bytes already read (the connection's first
   * window arrives before any grant), so {@link #used()} stays the truth.
   */
  synchronized void forceAcquire(long n) {
    used += n;
  }

  /** Gives back {@code n} bytes and lets every waiter try again (outside the lock). */
  void release(long n) {
    if (n <= 0) {
      return;
    }
    List<Runnable> wake;
    synchronized (this) {
      used -= n;
      wake = new ArrayList<>(waiters);
      waiters.clear();
    }
    wake.forEach(Runnable::run);
  }

  /**
   * Takes {@code n} bytes if they fit; otherwise runs {@code retry} once after the next release
   * (checked and registered under one lock, so no release is missed). A retry that still finds no
   * room calls this again.
   */
  synchronized boolean acquireOrWait(long n, Runnable retry) {
    if (tryAcquire(n)) {
      return true;
    }
    waiters.add(retry);
    return false;
  }

  synchronized void cancelWait(Runnable retry) {
    waiters.remove(retry);
  }

  synchronized long used() {
    return used;
  }

  synchronized int waiting() {
    return waiters.size();
  }

  long limit() {
    return limit;
  }
}
