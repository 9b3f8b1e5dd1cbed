package io.abcstream.operators.embed;

import java.util.concurrent.Semaphore;

/**
 * Caps the pixels being decoded at once across an operator's CPU pool, so a burst of large images
 * cannot exhaust the TaskManager heap. A whole-image decode (every format but JPEG, and JPEG
 * without the native decoder or the Vector API) holds about 8 bytes per source pixel; a JPEG whose
 * rows stream through the resize holds far less, but still reserves its header pixels here. An
 * image larger than the whole budget still runs, alone.
 */
final class DecodeBudget {

  private static final int PIXELS_PER_PERMIT = 1024;

  private final int permits;
  private final Semaphore semaphore;

  DecodeBudget(long maxPixelsInFlight) {
    if (maxPixelsInFlight < 1) {
      throw new IllegalArgumentException(
          "decode pixel budget must be >= 1, got " + maxPixelsInFlight);
    }
    this.permits =
        (int) Math.min(Integer.MAX_VALUE, Math.max(1, maxPixelsInFlight / PIXELS_PER_PERMIT));
    this.semaphore = new Semaphore(permits, true);
  }

  /** Blocks until {@code pixels} fit; returns what to give back to {@link #release(int)}. */
  int acquire(long pixels) throws InterruptedException {
    int need =
        (int) Math.min(permits, Math.max(1, (pixels + PIXELS_PER_PERMIT - 1) / PIXELS_PER_PERMIT));
    semaphore.acquire(need);
    return need;
  }

  void release(int acquired) {
    semaphore.release(acquired);
  }

  int available() {
    return semaphore.availablePermits();
  }

  int capacity() {
    return permits;
  }
}
