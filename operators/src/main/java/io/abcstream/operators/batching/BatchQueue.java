package io.abcstream.operators.batching;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Pending items and the batching policy: a batch leaves when it is full (items or padded tokens) or
 * its oldest item has waited long enough. The oldest item always goes first (no starvation); its
 * companions are the items of closest length (bucketing keeps padding low).
 */
final class BatchQueue<T extends BatchQueue.Sized> {

  /** Something with a sequence length and an arrival time. */
  interface Sized {
    int length();

    long enqueuedNanos();
  }

  private final int maxItems;
  private final int maxTokens;
  private final long maxWaitNanos;
  private final LongSupplier clock;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final List<T> pending = new ArrayList<>();
  private long pendingTokens;
  private boolean closed;

  BatchQueue(int maxItems, int maxTokens, long maxWaitNanos, LongSupplier clock) {
    this.maxItems = maxItems;
    this.maxTokens = maxTokens;
    this.maxWaitNanos = maxWaitNanos;
    this.clock = clock;
  }

  /** Adds an item; false when the queue is closed (the caller fails the item). */
  boolean add(T item) {
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      pending.add(item);
      pendingTokens += item.length();
      changed.signalAll();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Blocks until a batch is due; returns an empty list once closed and drained. */
  List<T> take() throws InterruptedException {
    lock.lock();
    try {
      while (true) {
        if (pending.isEmpty()) {
          if (closed) {
            return List.of();
          }
          changed.await();
          continue;
        }
        long waited = clock.getAsLong() - pending.get(0).enqueuedNanos();
        if (closed || isFull() || waited >= maxWaitNanos) {
          return select();
        }
        changed.awaitNanos(maxWaitNanos - waited);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Non-blocking: the batch that {@link #take()} would return now, or empty when none is due. */
  List<T> poll() {
    lock.lock();
    try {
      if (pending.isEmpty()) {
        return List.of();
      }
      long waited = clock.getAsLong() - pending.get(0).enqueuedNanos();
      return closed || isFull() || waited >= maxWaitNanos ? select() : List.of();
    } finally {
      lock.unlock();
    }
  }

  int size() {
    lock.lock();
    try {
      return pending.size();
    } finally {
      lock.unlock();
    }
  }

  /** Stops accepting; {@link #take()} drains what is pending, then returns empty lists. */
  void close() {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Items still pending at close, removed from the queue (to fail them). */
  List<T> drainAll() {
    lock.lock();
    try {
      List<T> all = new ArrayList<>(pending);
      pending.clear();
      pendingTokens = 0;
      return all;
    } finally {
      lock.unlock();
    }
  }

  private boolean isFull() {
    return pending.size() >= maxItems || pendingTokens >= maxTokens;
  }

  private List<T> select() {
    T anchor = pending.get(0);
    List<T> candidates = new ArrayList<>(pending.subList(1, pending.size()));
    int anchorLength = anchor.length();
    // Stable sort: equal distances keep arrival order.
    candidates.sort(Comparator.comparingInt(c -> Math.abs(c.length() - anchorLength)));
    List<T> batch = new ArrayList<>(Math.min(maxItems, pending.size()));
    batch.add(anchor);
    int longest = anchorLength;
    for (T c : candidates) {
      if (batch.size() >= maxItems) {
        break;
      }
      int newLongest = Math.max(longest, c.length());
      if ((long) newLongest * (batch.size() + 1) > maxTokens) {
        continue; // a shorter item further on may still fit
      }
      batch.add(c);
      longest = newLongest;
    }
    // Remove by identity, keeping the rest in arrival order.
    Set<T> chosen = Collections.newSetFromMap(new IdentityHashMap<>());
    chosen.addAll(batch);
    pending.removeIf(chosen::contains);
    for (T t : batch) {
      pendingTokens -= t.length();
    }
    return batch;
  }

  static long nanos(Duration d) {
    return TimeUnit.NANOSECONDS.convert(d);
  }
}
