package io.abcstream.operators.embed;

import io.abcstream.schemas.FailureStage;
import java.util.Collection;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Makes a request's result go out exactly once, whichever of the pipeline, the timeout or an
 * unexpected exception gets there first; remembers the stage for the timeout's message and the
 * request's work, to cancel it when the timeout wins.
 */
final class CompletionGuard<T> implements EmbeddingPipeline.StageListener {

  private final AtomicBoolean done = new AtomicBoolean();
  private final Consumer<Collection<T>> sink;
  private volatile FailureStage stage = FailureStage.FETCH;
  private volatile Future<?> work;

  CompletionGuard(Consumer<Collection<T>> sink) {
    this.sink = sink;
  }

  @Override
  public void entered(FailureStage stage) {
    this.stage = stage;
  }

  FailureStage stage() {
    return stage;
  }

  /** Completes with {@code results}; false when it had completed already. */
  boolean complete(Collection<T> results) {
    if (!done.compareAndSet(false, true)) {
      return false;
    }
    sink.accept(results);
    return true;
  }

  /** The request's work, cancelled by {@link #cancelWork()}. */
  void attach(Future<?> work) {
    this.work = work;
  }

  /** Cancels the attached work (a no-op when none is attached or it has completed). */
  void cancelWork() {
    Future<?> w = work;
    if (w != null) {
      w.cancel(true);
    }
  }

  boolean isDone() {
    return done.get();
  }
}
