package io.abcstream.connectors.elasticsearch;

import static io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions.FLUSH_ON_CHECKPOINT;
import static io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions.MAX_BATCH_SIZE;
import static io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions.MAX_BATCH_SIZE_IN_BYTES;
import static io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions.MAX_BUFFERED_REQUESTS;
import static io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions.MAX_IN_FLIGHT_REQUESTS;
import static io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions.MAX_RECORD_SIZE_IN_BYTES;
import static io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions.MAX_TIME_IN_BUFFER;
import static io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions.REQUEST_TIMEOUT;
import static io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions.RETRY_INITIAL_BACKOFF;
import static io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions.RETRY_MAX_ATTEMPTS;
import static io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions.RETRY_MAX_BACKOFF;
import static io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions.RETRY_ON_EXHAUSTED;

import java.time.Duration;
import java.util.Objects;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.connector.base.sink.writer.ElementConverter;

/** Builds an {@link ElasticsearchSink}: checked setters, defaults from {@link ElasticsearchSinkOptions}, validated {@link #build()}. */
public final class ElasticsearchSinkBuilder<IN> {

  private ElementConverter<IN, IndexOperation> elementConverter;
  private ElasticsearchConnectionConfig connection;
  private BulkClientFactory bulkClientFactory;
  private DeadLetterHandlerFactory deadLetterHandlerFactory = DeadLetterHandlers.failing();
  private int maxBatchSize = MAX_BATCH_SIZE.defaultValue();
  private long maxBatchSizeInBytes = MAX_BATCH_SIZE_IN_BYTES.defaultValue().getBytes();
  private Duration maxTimeInBuffer = MAX_TIME_IN_BUFFER.defaultValue();
  private int maxInFlightRequests = MAX_IN_FLIGHT_REQUESTS.defaultValue();
  private int maxBufferedRequests = MAX_BUFFERED_REQUESTS.defaultValue();
  private long maxRecordSizeInBytes = MAX_RECORD_SIZE_IN_BYTES.defaultValue().getBytes();
  private Duration requestTimeout = REQUEST_TIMEOUT.defaultValue();
  private int retryMaxAttempts = RETRY_MAX_ATTEMPTS.defaultValue();
  private Duration retryInitialBackoff = RETRY_INITIAL_BACKOFF.defaultValue();
  private Duration retryMaxBackoff = RETRY_MAX_BACKOFF.defaultValue();
  private RetryPolicy.ExhaustedAction onRetriesExhausted = RETRY_ON_EXHAUSTED.defaultValue();
  private boolean flushOnCheckpoint = FLUSH_ON_CHECKPOINT.defaultValue();

  ElasticsearchSinkBuilder() {}

  /**
   * Applies every option of {@link ElasticsearchSinkOptions} (connection included): set ones
   * override, unset ones keep their defaults.
   */
  public ElasticsearchSinkBuilder<IN> setConfiguration(ReadableConfig config) {
    setConnection(ElasticsearchConnectionConfig.fromConfiguration(config));
    setMaxBatchSize(config.get(MAX_BATCH_SIZE));
    setMaxBatchSizeInBytes(config.get(MAX_BATCH_SIZE_IN_BYTES).getBytes());
    setMaxTimeInBuffer(config.get(MAX_TIME_IN_BUFFER));
    setMaxInFlightRequests(config.get(MAX_IN_FLIGHT_REQUESTS));
    setMaxBufferedRequests(config.get(MAX_BUFFERED_REQUESTS));
    setMaxRecordSizeInBytes(config.get(MAX_RECORD_SIZE_IN_BYTES).getBytes());
    setRequestTimeout(config.get(REQUEST_TIMEOUT));
    setRetryMaxAttempts(config.get(RETRY_MAX_ATTEMPTS));
    setRetryBackoff(config.get(RETRY_INITIAL_BACKOFF), config.get(RETRY_MAX_BACKOFF));
    setOnRetriesExhausted(config.get(RETRY_ON_EXHAUSTED));
    setFlushOnCheckpoint(config.get(FLUSH_ON_CHECKPOINT));
    return this;
  }

  /** Turns each input into one operation; it names the index, so one sink can write to several. */
  public ElasticsearchSinkBuilder<IN> setElementConverter(ElementConverter<IN, IndexOperation> converter) {
    this.elementConverter = Objects.requireNonNull(converter, "elementConverter");
    return this;
  }

  public ElasticsearchSinkBuilder<IN> setConnection(ElasticsearchConnectionConfig connection) {
    this.connection = Objects.requireNonNull(connection, "connection");
    return this;
  }

  /** Shortcut for a connection with only hosts (no auth, default TLS). */
  public ElasticsearchSinkBuilder<IN> setHosts(String... urls) {
    return setConnection(ElasticsearchConnectionConfig.builder().setHosts(urls).build());
  }

  /** Replaces the HTTP bulk client (tests, custom transports); the connection is then not used. */
  public ElasticsearchSinkBuilder<IN> setBulkClientFactory(BulkClientFactory factory) {
    this.bulkClientFactory = Objects.requireNonNull(factory, "bulkClientFactory");
    return this;
  }

  /** Where rejected documents go; default {@link DeadLetterHandlers#failing()}. */
  public ElasticsearchSinkBuilder<IN> setDeadLetterHandlerFactory(DeadLetterHandlerFactory factory) {
    this.deadLetterHandlerFactory = Objects.requireNonNull(factory, "deadLetterHandlerFactory");
    return this;
  }

  public ElasticsearchSinkBuilder<IN> setMaxBatchSize(int actions) {
    this.maxBatchSize = positive(actions, MAX_BATCH_SIZE.key());
    return this;
  }

  public ElasticsearchSinkBuilder<IN> setMaxBatchSizeInBytes(long bytes) {
    this.maxBatchSizeInBytes = positive(bytes, MAX_BATCH_SIZE_IN_BYTES.key());
    return this;
  }

  public ElasticsearchSinkBuilder<IN> setMaxTimeInBuffer(Duration time) {
    this.maxTimeInBuffer = positive(time, MAX_TIME_IN_BUFFER.key());
    if (time.toMillis() < 1) {
      throw new IllegalArgumentException(MAX_TIME_IN_BUFFER.key() + " must be at least 1 ms, got " + time);
    }
    return this;
  }

  public ElasticsearchSinkBuilder<IN> setMaxInFlightRequests(int requests) {
    this.maxInFlightRequests = positive(requests, MAX_IN_FLIGHT_REQUESTS.key());
    return this;
  }

  public ElasticsearchSinkBuilder<IN> setMaxBufferedRequests(int requests) {
    this.maxBufferedRequests = positive(requests, MAX_BUFFERED_REQUESTS.key());
    return this;
  }

  public ElasticsearchSinkBuilder<IN> setMaxRecordSizeInBytes(long bytes) {
    this.maxRecordSizeInBytes = positive(bytes, MAX_RECORD_SIZE_IN_BYTES.key());
    return this;
  }

  public ElasticsearchSinkBuilder<IN> setRequestTimeout(Duration timeout) {
    this.requestTimeout = positive(timeout, REQUEST_TIMEOUT.key());
    return this;
  }

  public ElasticsearchSinkBuilder<IN> setRetryMaxAttempts(int attempts) {
    this.retryMaxAttempts = positive(attempts, RETRY_MAX_ATTEMPTS.key());
    return this;
  }

  public ElasticsearchSinkBuilder<IN> setRetryBackoff(Duration initial, Duration max) {
    Objects.requireNonNull(initial, RETRY_INITIAL_BACKOFF.key());
    Objects.requireNonNull(max, RETRY_MAX_BACKOFF.key());
    if (initial.isNegative() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException(
          RETRY_INITIAL_BACKOFF.key() + " must be >= 0 and <= " + RETRY_MAX_BACKOFF.key() + ", got " + initial + " and " + max);
    }
    this.retryInitialBackoff = initial;
    this.retryMaxBackoff = max;
    return this;
  }

  public ElasticsearchSinkBuilder<IN> setOnRetriesExhausted(RetryPolicy.ExhaustedAction action) {
    this.onRetriesExhausted = Objects.requireNonNull(action, RETRY_ON_EXHAUSTED.key());
    return this;
  }

  /** See {@link ElasticsearchSinkOptions#FLUSH_ON_CHECKPOINT}; default true. */
  public ElasticsearchSinkBuilder<IN> setFlushOnCheckpoint(boolean flush) {
    this.flushOnCheckpoint = flush;
    return this;
  }

  /** Validates the combination and builds the sink (nothing connects until the job runs). */
  public ElasticsearchSink<IN> build() {
    if (elementConverter == null) {
      throw new IllegalStateException("an element converter is required (setElementConverter)");
    }
    if (connection == null && bulkClientFactory == null) {
      throw new IllegalStateException("Elasticsearch hosts are required (setHosts, setConnection or setConfiguration)");
    }
    if (maxBufferedRequests <= maxBatchSize) {
      throw new IllegalArgumentException(
          MAX_BUFFERED_REQUESTS.key() + " (" + maxBufferedRequests + ") must be greater than "
              + MAX_BATCH_SIZE.key() + " (" + maxBatchSize + ")");
    }
    if (maxRecordSizeInBytes > maxBatchSizeInBytes) {
      throw new IllegalArgumentException(
          MAX_RECORD_SIZE_IN_BYTES.key() + " (" + maxRecordSizeInBytes + ") must not exceed "
              + MAX_BATCH_SIZE_IN_BYTES.key() + " (" + maxBatchSizeInBytes + ")");
    }
    if (connection != null) {
      // A retry's backoff keeps its request in flight: a shorter timeout would re-queue it mid-wait.
      Duration minimum = connection.socketTimeout().plus(retryMaxBackoff);
      if (requestTimeout.compareTo(minimum) <= 0) {
        throw new IllegalArgumentException(
            REQUEST_TIMEOUT.key() + " (" + requestTimeout + ") must exceed socket timeout + "
                + RETRY_MAX_BACKOFF.key() + " (" + minimum + ")");
      }
    }
    RetryPolicy retryPolicy = new RetryPolicy(retryMaxAttempts, retryInitialBackoff, retryMaxBackoff, onRetriesExhausted);
    BulkClientFactory clients = bulkClientFactory != null ? bulkClientFactory : RestBulkClient.factory(connection);
    return new ElasticsearchSink<>(
        elementConverter,
        maxBatchSize,
        maxInFlightRequests,
        maxBufferedRequests,
        maxBatchSizeInBytes,
        maxTimeInBuffer.toMillis(),
        maxRecordSizeInBytes,
        requestTimeout.toMillis(),
        clients,
        deadLetterHandlerFactory,
        retryPolicy,
        flushOnCheckpoint);
  }

  private static int positive(int value, String name) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
    return value;
  }

  private static long positive(long value, String name) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
    return value;
  }

  private static Duration positive(Duration value, String name) {
    if (value == null || value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(name + " must be a positive duration, got " + value);
    }
    return value;
  }
}
