package io.abcstream.connectors.elasticsearch;

import io.abcstream.common.Throwables;
import io.abcstream.connectors.elasticsearch.BulkItemClassifier.Decision;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.DoubleSupplier;
import org.apache.flink.connector.base.sink.writer.ResultHandler;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.SimpleCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer's request logic without Flink around it: one bulk request per batch, every item
 * classified by {@link BulkItemClassifier}, then exactly one of complete / retryForEntries (after a
 * backoff) / completeExceptionally on the {@link ResultHandler}.
 */
final class BulkSubmitter {

  private static final Logger LOG = LoggerFactory.getLogger(BulkSubmitter.class);

  /** Runs a task after a delay (a scheduled executor in the writer; immediate in tests). */
  @FunctionalInterface
  interface Scheduler {
    void schedule(Runnable task, long delayMillis);
  }

  /** Counters the writer registers in its metric group. */
  static final class Metrics {
    final Counter retried;
    final Counter deadLettered;
    final Counter failedRequests;

    Metrics(Counter retried, Counter deadLettered, Counter failedRequests) {
      this.retried = retried;
      this.deadLettered = deadLettered;
      this.failedRequests = failedRequests;
    }

    static Metrics unregistered() {
      return new Metrics(new SimpleCounter(), new SimpleCounter(), new SimpleCounter());
    }
  }

  private final BulkClient client;
  private final DeadLetterHandler deadLetters;
  private final RetryPolicy retryPolicy;
  private final Scheduler scheduler;
  private final DoubleSupplier jitter;
  private final Metrics metrics;
  private volatile boolean closed;

  BulkSubmitter(
      BulkClient client,
      DeadLetterHandler deadLetters,
      RetryPolicy retryPolicy,
      Scheduler scheduler,
      DoubleSupplier jitter,
      Metrics metrics) {
    this.client = client;
    this.deadLetters = deadLetters;
    this.retryPolicy = retryPolicy;
    this.scheduler = scheduler;
    this.jitter = jitter;
    this.metrics = metrics;
  }

  void submit(List<IndexOperation> entries, ResultHandler<IndexOperation> resultHandler) {
    Once handler = new Once(resultHandler);
    CompletableFuture<List<BulkItemResult>> response;
    try {
      response = client.bulk(entries);
    } catch (RuntimeException e) {
      // A client that throws instead of failing its future is treated exactly the same.
      response = CompletableFuture.failedFuture(e);
    }
    response.whenComplete(
        (items, error) -> {
          try {
            if (error != null) {
              onRequestFailure(entries, error, handler);
            } else {
              onResponse(entries, items, handler);
            }
          } catch (Throwable t) {
            handler.fail(
                new ElasticsearchSinkException(
                    "Elasticsearch sink: unexpected error handling a bulk response", t));
          }
        });
  }

  /**
   * Marks the writer as closing: requests cut off by closing the client are then not reported as
   * failures.
   */
  void close() {
    closed = true;
  }

  private void onRequestFailure(List<IndexOperation> entries, Throwable failure, Once handler) {
    if (closed) {
      // The task is being cancelled or closed and the client went away under this request; its
      // entries are replayed from the last checkpoint, so hand them back without noise or backoff.
      LOG.debug(
          "bulk request of {} operations cut off by close: {}", entries.size(), failure.toString());
      handler.retry(entries);
      return;
    }
    metrics.failedRequests.inc();
    Throwable cause = Throwables.unwrap(failure);
    int status = BulkItemClassifier.statusOf(cause);
    String type = BulkItemClassifier.errorTypeOf(cause);
    Decision decision = BulkItemClassifier.classifyRequestFailure(cause);
    if (decision != Decision.RETRY) {
      handler.fail(
          new ElasticsearchSinkException(
              "Elasticsearch bulk request of "
                  + entries.size()
                  + " operations failed"
                  + (status > 0 ? " with HTTP " + status : "")
                  + ": "
                  + cause
                  + ". Fix: "
                  + (status > 0
                      ? BulkItemClassifier.fixHint(status, type, cause.getMessage())
                      : BulkItemClassifier.fixHint(cause)),
              cause));
      return;
    }
    List<IndexOperation> retries = new ArrayList<>(entries.size());
    List<DeadLetter> rejected = new ArrayList<>();
    String describe = (status > 0 ? "HTTP " + status + " " : "") + cause;
    for (IndexOperation op : entries) {
      if (!retryOrGiveUp(
          op,
          type == null ? "request_failed" : type,
          describe,
          status,
          retries,
          rejected,
          handler)) {
        return;
      }
    }
    LOG.warn(
        "Elasticsearch bulk request of {} operations failed, will retry: {}",
        entries.size(),
        describe);
    finish(retries, rejected, handler);
  }

  private void onResponse(List<IndexOperation> entries, List<BulkItemResult> items, Once handler) {
    if (items == null || items.size() != entries.size()) {
      handler.fail(
          new ElasticsearchSinkException(
              "Elasticsearch answered a bulk request of "
                  + entries.size()
                  + " operations with "
                  + (items == null ? "no" : items.size())
                  + " items; is elasticsearch.hosts an Elasticsearch 8 node (not a proxy)?"));
      return;
    }
    List<IndexOperation> retries = new ArrayList<>();
    List<DeadLetter> rejected = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      IndexOperation op = entries.get(i);
      BulkItemResult item = items.get(i);
      Decision decision =
          BulkItemClassifier.classifyItem(
              op.opType(), item.status(), item.errorType(), item.reason());
      switch (decision) {
        case SUCCESS:
          break;
        case RETRY:
          if (!retryOrGiveUp(
              op, item.errorType(), item.describe(), item.status(), retries, rejected, handler)) {
            return;
          }
          break;
        case DEAD_LETTER:
          rejected.add(
              new DeadLetter(op, item.reason(), item.errorType(), item.status(), op.attempt() + 1));
          break;
        case FATAL:
        default:
          // The rest of the batch is replayed from the last checkpoint after the restart.
          handler.fail(
              new ElasticsearchSinkException(
                  "Elasticsearch rejected "
                      + op
                      + " with "
                      + item.describe()
                      + ". Fix: "
                      + BulkItemClassifier.fixHint(
                          item.status(), item.errorType(), item.reason())));
          return;
      }
    }
    finish(retries, rejected, handler);
  }

  /**
   * Adds {@code op} to the retries, or applies the exhausted action; false when the handler failed.
   */
  private boolean retryOrGiveUp(
      IndexOperation op,
      String errorType,
      String describe,
      int status,
      List<IndexOperation> retries,
      List<DeadLetter> rejected,
      Once handler) {
    int failed = op.attempt() + 1;
    if (!retryPolicy.exhausted(failed)) {
      retries.add(op.nextAttempt());
      return true;
    }
    if (retryPolicy.exhaustedAction() == RetryPolicy.ExhaustedAction.DEAD_LETTER) {
      rejected.add(
          new DeadLetter(
              op,
              "gave up after " + failed + " attempts: " + describe,
              "retries_exhausted",
              status,
              failed));
      return true;
    }
    handler.fail(
        new ElasticsearchSinkException(
            "Elasticsearch kept failing "
                + op
                + " after "
                + failed
                + " attempts (last: "
                + describe
                + "). The cluster is overloaded or unreachable; check its health, or raise"
                + " sink.retry.max-attempts / sink.retry.max-backoff"));
    return false;
  }

  /** Hands dead letters over, waits for them, then completes or schedules the retry. */
  private void finish(List<IndexOperation> retries, List<DeadLetter> rejected, Once handler) {
    CompletableFuture<?> handed;
    if (rejected.isEmpty()) {
      handed = CompletableFuture.completedFuture(null);
    } else {
      CompletableFuture<?>[] futures = new CompletableFuture<?>[rejected.size()];
      for (int i = 0; i < futures.length; i++) {
        DeadLetter letter = rejected.get(i);
        LOG.debug("dead-lettering {}: {}", letter.operation(), letter.describe());
        try {
          futures[i] = deadLetters.handle(letter);
        } catch (RuntimeException e) {
          futures[i] = CompletableFuture.failedFuture(e);
        }
        if (futures[i] == null) {
          futures[i] =
              CompletableFuture.failedFuture(
                  new NullPointerException("DeadLetterHandler returned null"));
        }
      }
      handed = CompletableFuture.allOf(futures);
    }
    handed.whenComplete(
        (ignored, error) -> {
          if (error != null) {
            Throwable cause = Throwables.unwrap(error);
            handler.fail(
                cause instanceof ElasticsearchSinkException
                    ? (ElasticsearchSinkException) cause
                    : new ElasticsearchSinkException(
                        "the dead-letter handler failed; the job stops so that no rejected document is lost",
                        cause));
            return;
          }
          metrics.deadLettered.inc(rejected.size());
          if (retries.isEmpty()) {
            handler.complete();
            return;
          }
          metrics.retried.inc(retries.size());
          int worst = 0;
          for (IndexOperation op : retries) {
            worst = Math.max(worst, op.attempt());
          }
          long delay = retryPolicy.backoff().delay(worst, jitter).toMillis();
          try {
            scheduler.schedule(() -> handler.retry(retries), delay);
          } catch (RejectedExecutionException e) {
            handler.retry(
                retries); // writer closing: hand back now, the entries go to state or die with the
            // task
          }
        });
  }

  /**
   * Guards the one-completion rule; a second attempt is a bug, logged loudly rather than corrupting
   * counts.
   */
  static final class Once {
    private final ResultHandler<IndexOperation> delegate;
    private final AtomicBoolean done = new AtomicBoolean();

    Once(ResultHandler<IndexOperation> delegate) {
      this.delegate = delegate;
    }

    void complete() {
      if (claim("complete")) {
        delegate.complete();
      }
    }

    void retry(List<IndexOperation> entries) {
      if (claim("retryForEntries")) {
        delegate.retryForEntries(entries);
      }
    }

    void fail(Exception e) {
      if (claim("completeExceptionally")) {
        delegate.completeExceptionally(e);
      } else {
        LOG.error("Elasticsearch sink: error after the request was already completed", e);
      }
    }

    private boolean claim(String what) {
      if (done.compareAndSet(false, true)) {
        return true;
      }
      LOG.error("Elasticsearch sink bug: {} on an already completed request", what);
      return false;
    }
  }
}
