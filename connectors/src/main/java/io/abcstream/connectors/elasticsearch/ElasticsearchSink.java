package io.abcstream.connectors.elasticsearch;

import java.util.Collection;
import java.util.Collections;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.base.sink.AsyncSinkBase;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.connector.base.sink.writer.config.AsyncSinkWriterConfiguration;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Flink Sink V2 writing {@link IndexOperation}s to Elasticsearch with bulk requests (at least once;
 * exactly one document per id with deterministic ids). Build with {@link #builder()}.
 */
public final class ElasticsearchSink<IN> extends AsyncSinkBase<IN, IndexOperation> {

  private static final long serialVersionUID = 1L;

  private final ElasticsearchSinkConfig config;
  private final BulkClientFactory clientFactory;
  private final DeadLetterHandlerFactory deadLetterFactory;

  ElasticsearchSink(
      ElementConverter<IN, IndexOperation> converter,
      ElasticsearchSinkConfig config,
      BulkClientFactory clientFactory,
      DeadLetterHandlerFactory deadLetterFactory) {
    super(
        converter,
        config.maxBatchSize(),
        config.maxInFlightRequests(),
        config.maxBufferedRequests(),
        config.maxBatchSizeInBytes().getBytes(),
        config.maxTimeInBuffer().toMillis(),
        config.maxRecordSizeInBytes().getBytes(),
        config.requestTimeout().toMillis(),
        false); // on a request timeout re-queue the batch: retries are safe with idempotent ids
    this.config = config;
    this.clientFactory = clientFactory;
    this.deadLetterFactory = deadLetterFactory;
  }

  public static <IN> ElasticsearchSinkBuilder<IN> builder() {
    return new ElasticsearchSinkBuilder<>();
  }

  @Override
  public ElasticsearchSinkWriter<IN> createWriter(WriterInitContext context) {
    return restoreWriter(context, Collections.emptyList());
  }

  @Override
  public ElasticsearchSinkWriter<IN> restoreWriter(
      WriterInitContext context, Collection<BufferedRequestState<IndexOperation>> recoveredState) {
    AsyncSinkWriterConfiguration configuration =
        AsyncSinkWriterConfiguration.builder()
            .setMaxBatchSize(getMaxBatchSize())
            .setMaxBatchSizeInBytes(getMaxBatchSizeInBytes())
            .setMaxInFlightRequests(getMaxInFlightRequests())
            .setMaxBufferedRequests(getMaxBufferedRequests())
            .setMaxTimeInBufferMS(getMaxTimeInBufferMS())
            .setMaxRecordSizeInBytes(getMaxRecordSizeInBytes())
            .setRequestTimeoutMS(getRequestTimeoutMS())
            .setFailOnTimeout(getFailOnTimeout())
            .build();
    return new ElasticsearchSinkWriter<>(
        getElementConverter(),
        context,
        configuration,
        recoveredState,
        clientFactory,
        deadLetterFactory,
        config);
  }

  @Override
  public SimpleVersionedSerializer<BufferedRequestState<IndexOperation>>
      getWriterStateSerializer() {
    return new IndexOperationStateSerializer();
  }

  ElasticsearchSinkConfig config() {
    return config;
  }
}
