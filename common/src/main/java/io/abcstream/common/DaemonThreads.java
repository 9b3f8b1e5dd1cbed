package io.abcstream.common;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Daemon thread factories with readable names, so helper pools never keep a JVM alive. */
public final class DaemonThreads {

  private DaemonThreads() {}

  /** Threads named {@code prefix-1}, {@code prefix-2}, ... */
  public static ThreadFactory factory(String prefix) {
    if (prefix == null || prefix.isBlank()) {
      throw new IllegalArgumentException("a thread name prefix is required");
    }
    AtomicInteger ids = new AtomicInteger();
    return runnable -> newThread(runnable, prefix + "-" + ids.incrementAndGet());
  }

  /** One daemon thread with exactly this name (not started). */
  public static Thread newThread(Runnable runnable, String name) {
    Thread thread = new Thread(runnable, name);
    thread.setDaemon(true);
    return thread;
  }
}
