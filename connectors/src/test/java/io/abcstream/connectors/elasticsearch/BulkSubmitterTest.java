package io.abcstream.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.connectors.elasticsearch.BulkItemClassifier.HttpStatusException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.apache.flink.connector.base.sink.writer.ResultHandler;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/**
 * Every branch of {@link BulkSubmitter#submit} completes the result handler exactly once, the right
 * way.
 */
class BulkSubmitterTest {

  private static final RetryPolicy FAIL_AFTER_3 =
      new RetryPolicy(
          3, Duration.ofMillis(100), Duration.ofSeconds(2), RetryPolicy.ExhaustedAction.FAIL);
  private static final RetryPolicy DLQ_AFTER_3 =
      new RetryPolicy(
          3,
          Duration.ofMillis(100),
          Duration.ofSeconds(2),
          RetryPolicy.ExhaustedAction.DEAD_LETTER);

  private final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
  private final List<Long> scheduledDelays = new ArrayList<>();
  private final List<Runnable> scheduledTasks = new ArrayList<>();
  private final BulkSubmitter.Metrics metrics = BulkSubmitter.Metrics.unregistered();

  private final DeadLetterHandler collectingDlq =
      letter -> {
        deadLetters.add(letter);
        return CompletableFuture.completedFuture(null);
      };

  private BulkSubmitter submitter(BulkClient client, DeadLetterHandler dlq, RetryPolicy policy) {
    return new BulkSubmitter(
        client,
        dlq,
        policy,
        (task, delay) -> {
          scheduledDelays.add(delay);
          scheduledTasks.add(task);
        },
        () -> 0.0,
        metrics);
  }

  private void runScheduled() {
    List<Runnable> tasks = new ArrayList<>(scheduledTasks);
    scheduledTasks.clear();
    tasks.forEach(Runnable::run);
  }

  private static IndexOperation op(String id) {
    return IndexOperation.index("docs", id, "{\"request_id\":\"" + id + "\"}");
  }

  private static BulkClient answering(
      Function<List<IndexOperation>, CompletableFuture<List<BulkItemResult>>> answer) {
    return answer::apply;
  }

  private static BulkClient items(BulkItemResult... results) {
    return ops -> CompletableFuture.completedFuture(List.of(results));
  }

  @Test
  void allItemsSucceedCompletes() {
    RecordingHandler handler = new RecordingHandler();
    submitter(items(BulkItemResult.ok(201), BulkItemResult.ok(200)), collectingDlq, FAIL_AFTER_3)
        .submit(List.of(op("a"), op("b")), handler);

    handler.assertCompletedOnce();
    assertThat(handler.completed).isEqualTo(1);
    assertThat(deadLetters).isEmpty();
  }

  @Test
  void deleteOfMissingDocumentIsSuccess() {
    RecordingHandler handler = new RecordingHandler();
    submitter(items(BulkItemResult.ok(404)), collectingDlq, FAIL_AFTER_3)
        .submit(List.of(IndexOperation.delete("docs", "gone")), handler);
    assertThat(handler.completed).isEqualTo(1);
    handler.assertCompletedOnce();
  }

  @Test
  void mixedOutcomesRetryOnlyTheRetryableAfterBackoffAndDeadLetterTheRejected() {
    RecordingHandler handler = new RecordingHandler();
    submitter(
            items(
                BulkItemResult.ok(201),
                BulkItemResult.error(429, "es_rejected_execution_exception", "queue full"),
                BulkItemResult.error(
                    400, "document_parsing_exception", "different number of dimensions"),
                BulkItemResult.error(503, "unavailable_shards_exception", "primary not active")),
            collectingDlq,
            FAIL_AFTER_3)
        .submit(List.of(op("ok"), op("busy"), op("bad"), op("unavailable")), handler);

    // Nothing is handed back before the backoff has elapsed.
    assertThat(handler.calls()).isZero();
    assertThat(scheduledDelays).containsExactly(100L);
    runScheduled();

    handler.assertCompletedOnce();
    assertThat(handler.retried).hasSize(1);
    assertThat(handler.retried.get(0))
        .extracting(IndexOperation::id, IndexOperation::attempt)
        .containsExactly(Tuple.tuple("busy", 1), Tuple.tuple("unavailable", 1));
    assertThat(deadLetters)
        .singleElement()
        .satisfies(
            letter -> {
              assertThat(letter.operation().id()).isEqualTo("bad");
              assertThat(letter.errorType()).isEqualTo("document_parsing_exception");
              assertThat(letter.status()).isEqualTo(400);
              assertThat(letter.reason()).contains("dimensions");
              assertThat(letter.attempts()).isEqualTo(1);
            });
    assertThat(metrics.retried.getCount()).isEqualTo(2);
    assertThat(metrics.deadLettered.getCount()).isEqualTo(1);
  }

  @Test
  void backoffGrowsWithTheAttemptsAlreadyMade() {
    RecordingHandler handler = new RecordingHandler();
    IndexOperation secondTry = op("x").nextAttempt();
    submitter(items(BulkItemResult.error(429, null, null)), collectingDlq, FAIL_AFTER_3)
        .submit(List.of(secondTry), handler);
    assertThat(scheduledDelays).containsExactly(200L);
    runScheduled();
    assertThat(handler.retried.get(0)).extracting(IndexOperation::attempt).containsExactly(2);
  }

  @Test
  void fatalItemFailsTheJobWithAHintAndDeadLettersNothing() {
    RecordingHandler handler = new RecordingHandler();
    submitter(
            items(
                BulkItemResult.error(400, "mapper_parsing_exception", "bad"),
                BulkItemResult.error(404, "index_not_found_exception", "no such index [docs]")),
            collectingDlq,
            FAIL_AFTER_3)
        .submit(List.of(op("a"), op("b")), handler);

    handler.assertCompletedOnce();
    assertThat(handler.failure)
        .isInstanceOf(ElasticsearchSinkException.class)
        .hasMessageContaining("index_not_found_exception")
        .hasMessageContaining("IndexManager");
    assertThat(deadLetters).isEmpty();
  }

  @Test
  void wholeRequestIoFailureRetriesEveryEntry() {
    RecordingHandler handler = new RecordingHandler();
    submitter(
            answering(
                ops -> CompletableFuture.failedFuture(new ConnectException("Connection refused"))),
            collectingDlq,
            FAIL_AFTER_3)
        .submit(List.of(op("a"), op("b")), handler);
    runScheduled();

    handler.assertCompletedOnce();
    assertThat(handler.retried).hasSize(1);
    assertThat(handler.retried.get(0)).extracting(IndexOperation::id).containsExactly("a", "b");
    assertThat(handler.retried.get(0)).allSatisfy(o -> assertThat(o.attempt()).isEqualTo(1));
    assertThat(metrics.failedRequests.getCount()).isEqualTo(1);
  }

  @Test
  void requestCutOffByCloseIsHandedBackOnceWithoutBackoff() {
    RecordingHandler handler = new RecordingHandler();
    CompletableFuture<List<BulkItemResult>> answer = new CompletableFuture<>();
    BulkSubmitter submitter = submitter(answering(ops -> answer), collectingDlq, FAIL_AFTER_3);
    submitter.submit(List.of(op("a")), handler);
    submitter.close();
    answer.completeExceptionally(new IOException("Connection closed unexpectedly"));
    handler.assertCompletedOnce();
    assertThat(handler.retried).hasSize(1);
    assertThat(scheduledTasks).isEmpty();
    assertThat(metrics.failedRequests.getCount()).isZero();
  }

  @Test
  void wholeRequest429Retries() {
    RecordingHandler handler = new RecordingHandler();
    submitter(
            answering(
                ops ->
                    CompletableFuture.failedFuture(
                        new HttpStatusException(429, "es_rejected_execution_exception", "busy"))),
            collectingDlq,
            FAIL_AFTER_3)
        .submit(List.of(op("a")), handler);
    runScheduled();
    handler.assertCompletedOnce();
    assertThat(handler.retried).hasSize(1);
  }

  @Test
  void wholeRequestAuthFailureIsFatal() {
    RecordingHandler handler = new RecordingHandler();
    submitter(
            answering(
                ops ->
                    CompletableFuture.failedFuture(
                        new HttpStatusException(401, "security_exception", "no credentials"))),
            collectingDlq,
            FAIL_AFTER_3)
        .submit(List.of(op("a")), handler);
    handler.assertCompletedOnce();
    assertThat(handler.failure)
        .hasMessageContaining("HTTP 401")
        .hasMessageContaining("elasticsearch.auth");
    assertThat(scheduledTasks).isEmpty();
  }

  @Test
  void clientThrowingSynchronouslyIsHandledLikeAFailedFuture() {
    RecordingHandler retryHandler = new RecordingHandler();
    submitter(
            answering(
                ops -> {
                  throw new UncheckedIOException(new IOException("pool closed"));
                }),
            collectingDlq,
            FAIL_AFTER_3)
        .submit(List.of(op("a")), retryHandler);
    runScheduled();
    retryHandler.assertCompletedOnce();
    assertThat(retryHandler.retried).hasSize(1);

    RecordingHandler fatalHandler = new RecordingHandler();
    submitter(
            answering(
                ops -> {
                  throw new IllegalStateException("bug");
                }),
            collectingDlq,
            FAIL_AFTER_3)
        .submit(List.of(op("a")), fatalHandler);
    fatalHandler.assertCompletedOnce();
    assertThat(fatalHandler.failure).hasMessageContaining("bug");
  }

  @Test
  void exhaustedRetriesFailTheJobByDefault() {
    RecordingHandler handler = new RecordingHandler();
    IndexOperation third = op("a").nextAttempt().nextAttempt();
    submitter(
            items(BulkItemResult.error(429, "es_rejected_execution_exception", "busy")),
            collectingDlq,
            FAIL_AFTER_3)
        .submit(List.of(third), handler);
    handler.assertCompletedOnce();
    assertThat(handler.failure)
        .hasMessageContaining("after 3 attempts")
        .hasMessageContaining("es_rejected_execution_exception");
    assertThat(deadLetters).isEmpty();
  }

  @Test
  void exhaustedRetriesGoToTheDeadLetterHandlerWhenConfigured() {
    RecordingHandler handler = new RecordingHandler();
    IndexOperation third = op("a").nextAttempt().nextAttempt();
    submitter(
            answering(
                ops -> CompletableFuture.failedFuture(new HttpStatusException(503, null, null))),
            collectingDlq,
            DLQ_AFTER_3)
        .submit(List.of(third, op("b")), handler);
    runScheduled();
    handler.assertCompletedOnce();
    assertThat(deadLetters)
        .singleElement()
        .satisfies(
            letter -> {
              assertThat(letter.errorType()).isEqualTo("retries_exhausted");
              assertThat(letter.attempts()).isEqualTo(3);
              assertThat(letter.status()).isEqualTo(503);
            });
    assertThat(handler.retried.get(0)).extracting(IndexOperation::id).containsExactly("b");
  }

  @Test
  void requestCompletesOnlyAfterTheDeadLetterIsDurable() {
    RecordingHandler handler = new RecordingHandler();
    CompletableFuture<Void> kafkaAck = new CompletableFuture<>();
    submitter(
            items(BulkItemResult.error(400, "mapper_parsing_exception", "bad")),
            letter -> kafkaAck,
            FAIL_AFTER_3)
        .submit(List.of(op("a")), handler);
    assertThat(handler.calls()).isZero();
    kafkaAck.complete(null);
    handler.assertCompletedOnce();
    assertThat(handler.completed).isEqualTo(1);
  }

  @Test
  void failingDeadLetterHandlerFailsTheJob() {
    RecordingHandler handler = new RecordingHandler();
    submitter(
            items(BulkItemResult.error(400, "mapper_parsing_exception", "bad")),
            letter -> CompletableFuture.failedFuture(new IOException("DLQ topic unavailable")),
            FAIL_AFTER_3)
        .submit(List.of(op("a")), handler);
    handler.assertCompletedOnce();
    assertThat(handler.failure)
        .hasMessageContaining("dead-letter handler failed")
        .hasRootCauseMessage("DLQ topic unavailable");
  }

  @Test
  void defaultDeadLetterHandlerFailsTheJobNamingTheDocument() throws Exception {
    RecordingHandler handler = new RecordingHandler();
    submitter(
            items(BulkItemResult.error(400, "document_parsing_exception", "bad vector")),
            DeadLetterHandlers.failing().create(null),
            FAIL_AFTER_3)
        .submit(List.of(op("doc-7")), handler);
    handler.assertCompletedOnce();
    assertThat(handler.failure)
        .hasMessageContaining("doc-7")
        .hasMessageContaining("bad vector")
        .hasMessageContaining("dead-letter handler");
  }

  @Test
  void itemCountMismatchIsFatal() {
    RecordingHandler handler = new RecordingHandler();
    submitter(items(BulkItemResult.ok(201)), collectingDlq, FAIL_AFTER_3)
        .submit(List.of(op("a"), op("b")), handler);
    handler.assertCompletedOnce();
    assertThat(handler.failure).hasMessageContaining("2 operations with 1 items");
  }

  @Test
  void asynchronousAnswerOnAnotherThreadCompletesExactlyOnce() throws Exception {
    RecordingHandler handler = new RecordingHandler();
    CompletableFuture<List<BulkItemResult>> answer = new CompletableFuture<>();
    submitter(answering(ops -> answer), collectingDlq, FAIL_AFTER_3)
        .submit(List.of(op("a")), handler);
    assertThat(handler.calls()).isZero();
    Thread io = new Thread(() -> answer.complete(List.of(BulkItemResult.ok(201))));
    io.start();
    io.join();
    handler.assertCompletedOnce();
    assertThat(handler.completed).isEqualTo(1);
  }

  /** Counts every call; the writer contract allows exactly one per request. */
  static final class RecordingHandler implements ResultHandler<IndexOperation> {
    volatile int completed;
    final List<List<IndexOperation>> retried = new CopyOnWriteArrayList<>();
    final List<Exception> failures = new CopyOnWriteArrayList<>();
    volatile Exception failure;

    @Override
    public synchronized void complete() {
      completed++;
    }

    @Override
    public synchronized void completeExceptionally(Exception e) {
      failures.add(e);
      failure = e;
    }

    @Override
    public synchronized void retryForEntries(List<IndexOperation> entries) {
      retried.add(List.copyOf(entries));
    }

    synchronized int calls() {
      return completed + retried.size() + failures.size();
    }

    void assertCompletedOnce() {
      assertThat(calls()).as("result handler calls").isEqualTo(1);
    }
  }
}
