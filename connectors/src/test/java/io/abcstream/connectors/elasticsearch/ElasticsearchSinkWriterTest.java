package io.abcstream.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.junit.jupiter.api.Test;

/**
 * The writer inside Flink's real {@code AsyncSinkWriter} loop, with a fake bulk client: retries,
 * backoff, flush, fatal.
 */
class ElasticsearchSinkWriterTest {

  private static final ElementConverter<Integer, IndexOperation> CONVERTER =
      (n, ctx) -> IndexOperation.index("docs", "doc-" + n, "{\"n\":" + n + "}");

  /**
   * Records every bulk call; answers with a scripted function, on another thread like a real
   * client.
   */
  static final class FakeClient implements BulkClient {
    final List<List<IndexOperation>> calls = new CopyOnWriteArrayList<>();
    final Function<List<IndexOperation>, List<BulkItemResult>> answer;
    volatile boolean closed;

    FakeClient(Function<List<IndexOperation>, List<BulkItemResult>> answer) {
      this.answer = answer;
    }

    @Override
    public CompletableFuture<List<BulkItemResult>> bulk(List<IndexOperation> operations) {
      calls.add(List.copyOf(operations));
      return CompletableFuture.supplyAsync(() -> answer.apply(operations));
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  private static ElasticsearchSink<Integer> sink(FakeClient client) {
    return ElasticsearchSink.<Integer>builder()
        .setBulkClientFactory(() -> client)
        .setElementConverter(CONVERTER)
        .setDeadLetterHandlerFactory(DeadLetterHandlers.logging())
        .setConfig(
            ElasticsearchSinkConfig.fromConfiguration(
                new Configuration()
                    .set(ElasticsearchSinkOptions.MAX_BATCH_SIZE, 10)
                    .set(ElasticsearchSinkOptions.MAX_BUFFERED_REQUESTS, 100)
                    .set(ElasticsearchSinkOptions.MAX_TIME_IN_BUFFER, Duration.ofHours(1))
                    .set(ElasticsearchSinkOptions.RETRY_MAX_ATTEMPTS, 3)
                    .set(ElasticsearchSinkOptions.RETRY_INITIAL_BACKOFF, Duration.ofMillis(20))
                    .set(ElasticsearchSinkOptions.RETRY_MAX_BACKOFF, Duration.ofMillis(100))))
        .build();
  }

  @Test
  void retryableItemsAreResentAfterBackoffAndFlushWaitsForThem() throws Exception {
    List<String> rejectedOnce = new CopyOnWriteArrayList<>();
    FakeClient client =
        new FakeClient(
            ops -> {
              List<BulkItemResult> results = new ArrayList<>();
              for (IndexOperation op : ops) {
                // doc-3 is rejected (queue full) on its first send only.
                if (op.id().equals("doc-3") && op.attempt() == 0) {
                  rejectedOnce.add(op.id());
                  results.add(
                      BulkItemResult.error(429, "es_rejected_execution_exception", "queue full"));
                } else {
                  results.add(BulkItemResult.ok(201));
                }
              }
              return results;
            });
    try (ElasticsearchSinkWriter<Integer> writer =
        sink(client).createWriter(new TestWriterContext())) {
      for (int i = 0; i < 5; i++) {
        writer.write(i, null);
      }
      writer.flush(false); // flush-on-checkpoint: everything, retries included, before returning
      assertThat(writer.snapshotState(1).get(0).getBufferedRequestEntries()).isEmpty();
    }
    assertThat(rejectedOnce).containsExactly("doc-3");
    assertThat(client.calls).hasSize(2);
    assertThat(client.calls.get(1))
        .singleElement()
        .satisfies(
            op -> {
              assertThat(op.id()).isEqualTo("doc-3");
              assertThat(op.attempt()).isEqualTo(1);
            });
    assertThat(client.closed).isTrue();
  }

  @Test
  void fatalOutcomeSurfacesFromFlushAsTheJobFailure() throws Exception {
    FakeClient client =
        new FakeClient(
            ops -> {
              List<BulkItemResult> results = new ArrayList<>();
              for (IndexOperation op : ops) {
                results.add(
                    BulkItemResult.error(
                        403,
                        "security_exception",
                        "action [indices:data/write/bulk[s]] is unauthorized"));
              }
              return results;
            });
    try (ElasticsearchSinkWriter<Integer> writer =
        sink(client).createWriter(new TestWriterContext())) {
      writer.write(1, null);
      assertThatThrownBy(() -> writer.flush(true))
          .isInstanceOf(ElasticsearchSinkException.class)
          .hasMessageContaining("HTTP 403")
          .hasMessageContaining("privilege");
    }
  }

  @Test
  void persistentOverloadFailsAfterMaxAttempts() throws Exception {
    FakeClient client =
        new FakeClient(
            ops -> {
              throw new CompletionException(
                  new BulkItemClassifier.HttpStatusException(503, null, "service unavailable"));
            });
    try (ElasticsearchSinkWriter<Integer> writer =
        sink(client).createWriter(new TestWriterContext())) {
      writer.write(1, null);
      assertThatThrownBy(() -> writer.flush(true))
          .isInstanceOf(ElasticsearchSinkException.class)
          .hasMessageContaining("after 3 attempts");
    }
    assertThat(client.calls).hasSize(3);
  }

  @Test
  void anOperationAboveTheRecordLimitIsDeadLetteredAndTheOthersAreWritten() throws Exception {
    // Flink's AsyncSinkWriter throws on an entry above max-record-size: that failed the task.
    FakeClient client =
        new FakeClient(
            ops -> {
              List<BulkItemResult> results = new ArrayList<>();
              for (IndexOperation op : ops) {
                results.add(BulkItemResult.ok(201));
              }
              return results;
            });
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    int[] converted = new int[1];
    ElementConverter<Integer, IndexOperation> converter =
        (n, ctx) -> {
          converted[0]++;
          String doc = n == 2 ? "{\"big\":\"" + "x".repeat(2_000) + "\"}" : "{\"n\":" + n + "}";
          return IndexOperation.index("docs", "doc-" + n, doc);
        };
    ElasticsearchSink<Integer> sink =
        ElasticsearchSink.<Integer>builder()
            .setBulkClientFactory(() -> client)
            .setElementConverter(converter)
            .setDeadLetterHandlerFactory(
                context ->
                    letter -> {
                      letters.add(letter);
                      return CompletableFuture.completedFuture(null);
                    })
            .setConfig(
                ElasticsearchSinkConfig.fromConfiguration(
                    new Configuration()
                        .set(
                            ElasticsearchSinkOptions.MAX_RECORD_SIZE_IN_BYTES,
                            MemorySize.parse("1kb"))
                        .set(ElasticsearchSinkOptions.MAX_TIME_IN_BUFFER, Duration.ofHours(1))))
            .build();
    try (ElasticsearchSinkWriter<Integer> writer = sink.createWriter(new TestWriterContext())) {
      for (int i = 0; i < 4; i++) {
        writer.write(i, null);
      }
      writer.flush(true);
    }
    assertThat(converted[0]).isEqualTo(4);
    assertThat(client.calls.stream().flatMap(List::stream).map(IndexOperation::id))
        .containsExactly("doc-0", "doc-1", "doc-3");
    assertThat(letters)
        .singleElement()
        .satisfies(
            letter -> {
              assertThat(letter.operation().id()).isEqualTo("doc-2");
              assertThat(letter.errorType()).isEqualTo(ElasticsearchSinkWriter.RECORD_TOO_LARGE);
              assertThat(letter.describe())
                  .contains("over the sink's record limit of 1024 bytes")
                  .contains("elasticsearch.sink.record.max-size");
            });
  }
}
