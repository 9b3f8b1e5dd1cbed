package io.abcstream.connectors.elasticsearch;

import io.abcstream.common.DaemonThreads;
import io.abcstream.common.Throwables;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink's writer: owns the bulk client, the dead-letter handler and the retry timer; buffering,
 * batching, in-flight limits and flush-before-checkpoint come from {@link AsyncSinkWriter}.
 */
public final class ElasticsearchSinkWriter<IN> extends AsyncSinkWriter<IN, IndexOperation> {

  private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchSinkWriter.class);

  /** The dead letter's error type for an operation above the record size limit. */
  public static final String RECORD_TOO_LARGE = "record_too_large";

  private final BulkClient client;
  private final DeadLetterHandler deadLetters;
  private final ScheduledExecutorService retryTimer;
  private final BulkSubmitter submitter;
  private final boolean flushOnCheckpoint;
  private final Converted<IN> converted;
  private final long maxRecordSizeInBytes;
  private final Counter deadLettered;

  ElasticsearchSinkWriter(
      ElementConverter<IN, IndexOperation> converter,
      WriterInitContext context,
      AsyncSinkWriterConfiguration configuration,
      Collection<BufferedRequestState<IndexOperation>> states,
      BulkClientFactory clientFactory,
      DeadLetterHandlerFactory deadLetterFactory,
      ElasticsearchSinkConfig config) {
    this(
        new Converted<>(converter),
        context,
        configuration,
        states,
        clientFactory,
        deadLetterFactory,
        config);
  }

  private ElasticsearchSinkWriter(
      Converted<IN> converter,
      WriterInitContext context,
      AsyncSinkWriterConfiguration configuration,
      Collection<BufferedRequestState<IndexOperation>> states,
      BulkClientFactory clientFactory,
      DeadLetterHandlerFactory deadLetterFactory,
      ElasticsearchSinkConfig config) {
    super(converter, context, configuration, states);
    this.converted = converter;
    this.maxRecordSizeInBytes = configuration.getMaxRecordSizeInBytes();
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
    this.deadLettered = metrics.counter("numRecordsDeadLettered");
    BulkSubmitter.Metrics counters =
        new BulkSubmitter.Metrics(
            metrics.counter("numRecordsRetried"),
            deadLettered,
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

  /**
   * Converts once; an operation above the record size limit goes to the dead-letter handler instead
   * of the buffer (where {@link AsyncSinkWriter} would throw and fail the task), and the writer
   * waits until it is handed over, as for any rejected document.
   */
  @Override
  public void write(IN element, Context context) throws IOException, InterruptedException {
    IndexOperation op = converted.delegate.apply(element, context);
    long size = getSizeInBytes(op);
    if (size > maxRecordSizeInBytes) {
      deadLetterOversized(op, size);
      return;
    }
    converted.next = op;
    super.write(element, context);
  }

  private void deadLetterOversized(IndexOperation op, long size) throws InterruptedException {
    DeadLetter letter =
        new DeadLetter(
            op,
            "operation is "
                + size
                + " bytes, over the sink's record limit of "
                + maxRecordSizeInBytes
                + " bytes ("
                + ElasticsearchSinkOptions.MAX_RECORD_SIZE_IN_BYTES.key()
                + "); not sent",
            RECORD_TOO_LARGE,
            -1,
            0);
    LOG.debug("dead-lettering {}: {}", op, letter.describe());
    try {
      CompletableFuture<Void> handed = deadLetters.handle(letter);
      if (handed == null) {
        throw new NullPointerException("DeadLetterHandler returned null");
      }
      handed.get();
      deadLettered.inc();
    } catch (ExecutionException | RuntimeException e) {
      throw new ElasticsearchSinkException(
          "the dead-letter handler failed; the job stops so that no rejected document is lost",
          Throwables.unwrap(e));
    }
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

  /**
   * Hands {@link AsyncSinkWriter#write} the operation {@link #write} already made, so each element
   * is converted once (and the size check sees the operation that is buffered).
   */
  private static final class Converted<IN> implements ElementConverter<IN, IndexOperation> {
    private static final long serialVersionUID = 1L;

    private final ElementConverter<IN, IndexOperation> delegate;
    private transient IndexOperation next;

    Converted(ElementConverter<IN, IndexOperation> delegate) {
      this.delegate = delegate;
    }

    @Override
    public void open(WriterInitContext context) {
      delegate.open(context);
    }

    @Override
    public IndexOperation apply(IN element, Context context) {
      IndexOperation op = next;
      next = null;
      return op != null ? op : delegate.apply(element, context);
    }
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
