package io.abcstream.operators.embed;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Caps the bytes being decoded at once across an operator's CPU pool, so a burst of large images
 * cannot exhaust the TaskManager's memory. Each decode reserves what its header declares ({@code
 * AbcPreprocessor.decodeMemory}: samples × bits, a GIF's screen, a progressive JPEG's coefficient
 * buffers, or the few rows of a streamed JPEG). An image larger than the whole budget still runs,
 * alone.
 */
final class DecodeBudget {

  private static final int BYTES_PER_PERMIT = 1024;

  /** How often a waiting decode looks whether its request was given up. */
  private static final long POLL_MILLIS = 20;

  private final int permits;
  private final Semaphore semaphore;

  DecodeBudget(long maxBytesInFlight) {
    if (maxBytesInFlight < 1) {
      throw new IllegalArgumentException(
          "decode memory budget must be >= 1, got " + maxBytesInFlight);
    }
    this.permits =
        (int) Math.min(Integer.MAX_VALUE, Math.max(1, maxBytesInFlight / BYTES_PER_PERMIT));
    this.semaphore = new Semaphore(permits, true);
  }

  /** Blocks until {@code bytes} fit; returns what to give back to {@link #release(int)}. */
  int acquire(long bytes) throws InterruptedException {
    int need = permitsFor(bytes);
    semaphore.acquire(need);
    return need;
  }

  /**
   * Blocks until {@code bytes} fit or {@code abandoned} says the result is no longer wanted (a
   * timed-out request): then returns 0 and holds nothing.
   */
  int acquire(long bytes, BooleanSupplier abandoned) throws InterruptedException {
    int need = permitsFor(bytes);
    while (!semaphore.tryAcquire(need, POLL_MILLIS, TimeUnit.MILLISECONDS)) {
      if (abandoned.getAsBoolean()) {
        return 0;
      }
    }
    return need;
  }

  private int permitsFor(long bytes) {
    long need = bytes / BYTES_PER_PERMIT + (bytes % BYTES_PER_PERMIT == 0 ? 0 : 1);
    return (int) Math.min(permits, Math.max(1, need));
  }

  void release(int acquired) {
    if (acquired > 0) {
      semaphore.release(acquired);
    }
  }

  int available() {
    return semaphore.availablePermits();
  }

  int capacity() {
    return permits;
  }
}
