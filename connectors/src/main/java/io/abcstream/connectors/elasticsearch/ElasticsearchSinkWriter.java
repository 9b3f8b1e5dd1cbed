package io.abcstream.connectors.elasticsearch;

import io.abcstream.common.DaemonThreads;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.sink.writer.AsyncSinkWriter;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.connector.base.sink.writer.ResultHandler;
import org.apache.flink.connector.base.sink.writer.config.AsyncSinkWriterConfiguration;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink's writer: owns the bulk client, the dead-letter handler and the retry timer; buffering,
 * batching, in-flight limits and flush-before-checkpoint come from {@link AsyncSinkWriter}.
 */
public final class ElasticsearchSinkWriter<IN> extends AsyncSinkWriter<IN, IndexOperation> {

  private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchSinkWriter.class);

  private final BulkClient client;
  private final DeadLetterHandler deadLetters;
  private final ScheduledExecutorService retryTimer;
  private final BulkSubmitter submitter;
  private final boolean flushOnCheckpoint;

  ElasticsearchSinkWriter(
      ElementConverter<IN, IndexOperation> converter,
      WriterInitContext context,
      AsyncSinkWriterConfiguration configuration,
      Collection<BufferedRequestState<IndexOperation>> states,
      BulkClientFactory clientFactory,
      DeadLetterHandlerFactory deadLetterFactory,
      ElasticsearchSinkConfig config) {
    super(converter, context, configuration, states);
    this.flushOnCheckpoint = config.flushOnCheckpoint();
    BulkClient createdClient = null;
    DeadLetterHandler createdHandler = null;
    try {
      createdClient = clientFactory.create();
      createdHandler = deadLetterFactory.create(context);
    } catch (Exception e) {
      closeQuietly(createdClient);
      throw new ElasticsearchSinkException(
          "cannot create the Elasticsearch sink writer: " + e.getMessage(), e);
    }
    this.client = createdClient;
    this.deadLetters = createdHandler;
    // Backoffs must not block the mailbox thread or the client's I/O threads: a tiny daemon timer.
    this.retryTimer =
        Executors.newSingleThreadScheduledExecutor(
            r ->
                DaemonThreads.newThread(
                    r, "es-sink-retry-" + context.getTaskInfo().getIndexOfThisSubtask()));
    SinkWriterMetricGroup metrics = context.metricGroup();
    BulkSubmitter.Metrics counters =
        new BulkSubmitter.Metrics(
            metrics.counter("numRecordsRetried"),
            metrics.counter("numRecordsDeadLettered"),
            metrics.counter("numBulkRequestsFailed"));
    this.submitter =
        new BulkSubmitter(
            client,
            deadLetters,
            config.retryPolicy(),
            (task, delay) -> retryTimer.schedule(task, delay, TimeUnit.MILLISECONDS),
            () -> ThreadLocalRandom.current().nextDouble(),
            counters);
  }

  @Override
  protected void submitRequestEntries(
      List<IndexOperation> entries, ResultHandler<IndexOperation> resultHandler) {
    submitter.submit(entries, resultHandler);
  }

  /**
   * Flink calls {@code flush(false)} before a checkpoint barrier (wait for in-flight requests only)
   * and {@code flush(true)} at end of input. With flush-on-checkpoint the buffer is sent too, so a
   * completed checkpoint means the documents are in Elasticsearch.
   */
  @Override
  public void flush(boolean endOfInput) throws InterruptedException {
    super.flush(endOfInput || flushOnCheckpoint);
  }

  @Override
  protected long getSizeInBytes(IndexOperation entry) {
    return entry.sizeInBytes();
  }

  @Override
  public void close() {
    super.close();
    submitter.close();
    retryTimer.shutdownNow();
    closeQuietly(deadLetters);
    closeQuietly(client);
  }

  private static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      LOG.warn("error closing {}", closeable, e);
    }
  }
}
