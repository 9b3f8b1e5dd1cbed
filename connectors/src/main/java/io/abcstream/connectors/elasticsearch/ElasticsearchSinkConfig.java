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

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.ReadableConfig;

/**
 * The {@code elasticsearch.sink.*} options of {@link ElasticsearchSinkOptions}, read once and
 * validated.
 */
public record ElasticsearchSinkConfig(
    int maxBatchSize,
    MemorySize maxBatchSizeInBytes,
    Duration maxTimeInBuffer,
    int maxInFlightRequests,
    int maxBufferedRequests,
    MemorySize maxRecordSizeInBytes,
    Duration requestTimeout,
    RetryPolicy retryPolicy,
    boolean flushOnCheckpoint)
    implements Serializable {

  private static final long serialVersionUID = 1L;

  public ElasticsearchSinkConfig {
    positive(maxBatchSize, MAX_BATCH_SIZE.key());
    positive(maxBatchSizeInBytes, MAX_BATCH_SIZE_IN_BYTES.key());
    positive(maxTimeInBuffer, MAX_TIME_IN_BUFFER.key());
    // AsyncSinkBase counts the buffer time in whole milliseconds.
    if (maxTimeInBuffer.toMillis() < 1) {
      throw new IllegalArgumentException(
          MAX_TIME_IN_BUFFER.key() + " must be at least 1 ms, got " + maxTimeInBuffer);
    }
    positive(maxInFlightRequests, MAX_IN_FLIGHT_REQUESTS.key());
    positive(maxBufferedRequests, MAX_BUFFERED_REQUESTS.key());
    positive(maxRecordSizeInBytes, MAX_RECORD_SIZE_IN_BYTES.key());
    positive(requestTimeout, REQUEST_TIMEOUT.key());
    Objects.requireNonNull(retryPolicy, "retryPolicy");
    if (maxBufferedRequests <= maxBatchSize) {
      throw new IllegalArgumentException(
          MAX_BUFFERED_REQUESTS.key()
              + " ("
              + maxBufferedRequests
              + ") must be greater than "
              + MAX_BATCH_SIZE.key()
              + " ("
              + maxBatchSize
              + ")");
    }
    if (maxRecordSizeInBytes.compareTo(maxBatchSizeInBytes) > 0) {
      throw new IllegalArgumentException(
          MAX_RECORD_SIZE_IN_BYTES.key()
              + " ("
              + maxRecordSizeInBytes
              + ") must not exceed "
              + MAX_BATCH_SIZE_IN_BYTES.key()
              + " ("
              + maxBatchSizeInBytes
              + ")");
    }
  }

  /** Reads every {@code elasticsearch.sink.*} option; unset ones take their defaults. */
  public static ElasticsearchSinkConfig fromConfiguration(ReadableConfig config) {
    return new ElasticsearchSinkConfig(
        config.get(MAX_BATCH_SIZE),
        config.get(MAX_BATCH_SIZE_IN_BYTES),
        config.get(MAX_TIME_IN_BUFFER),
        config.get(MAX_IN_FLIGHT_REQUESTS),
        config.get(MAX_BUFFERED_REQUESTS),
        config.get(MAX_RECORD_SIZE_IN_BYTES),
        config.get(REQUEST_TIMEOUT),
        new RetryPolicy(
            config.get(RETRY_MAX_ATTEMPTS),
            config.get(RETRY_INITIAL_BACKOFF),
            config.get(RETRY_MAX_BACKOFF),
            config.get(RETRY_ON_EXHAUSTED)),
        config.get(FLUSH_ON_CHECKPOINT));
  }

  /** Every option at its default. */
  public static ElasticsearchSinkConfig defaults() {
    return fromConfiguration(new Configuration());
  }

  private static void positive(long value, String name) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }

  private static void positive(MemorySize value, String name) {
    if (value == null || value.getBytes() <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }

  private static void positive(Duration value, String name) {
    if (value == null || value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(name + " must be a positive duration, got " + value);
    }
  }
}
