package io.abcstream.connectors.elasticsearch;

import static io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions.REQUEST_TIMEOUT;
import static io.abcstream.connectors.elasticsearch.ElasticsearchSinkOptions.RETRY_MAX_BACKOFF;

import java.time.Duration;
import java.util.Objects;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.connector.base.sink.writer.ElementConverter;

/**
 * Builds an {@link ElasticsearchSink} from its configuration records and the parts the job supplies
 * (element converter, dead-letter handler); {@link #build()} checks what spans them.
 */
public final class ElasticsearchSinkBuilder<IN> {

  private ElementConverter<IN, IndexOperation> elementConverter;
  private ElasticsearchConnectionConfig connection;
  private ElasticsearchSinkConfig config = ElasticsearchSinkConfig.defaults();
  private BulkClientFactory bulkClientFactory;
  private DeadLetterHandlerFactory deadLetterHandlerFactory = DeadLetterHandlers.failing();

  ElasticsearchSinkBuilder() {}

  /**
   * Applies every option of {@link ElasticsearchSinkOptions} (connection included): set ones
   * override, unset ones keep their defaults.
   */
  public ElasticsearchSinkBuilder<IN> setConfiguration(ReadableConfig configuration) {
    setConnection(ElasticsearchConnectionConfig.fromConfiguration(configuration));
    return setConfig(ElasticsearchSinkConfig.fromConfiguration(configuration));
  }

  /**
   * Batching, request timeout, retries and flushing; default {@link
   * ElasticsearchSinkConfig#defaults()}.
   */
  public ElasticsearchSinkBuilder<IN> setConfig(ElasticsearchSinkConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    return this;
  }

  /** Turns each input into one operation; it names the index, so one sink can write to several. */
  public ElasticsearchSinkBuilder<IN> setElementConverter(
      ElementConverter<IN, IndexOperation> converter) {
    this.elementConverter = Objects.requireNonNull(converter, "elementConverter");
    return this;
  }

  public ElasticsearchSinkBuilder<IN> setConnection(ElasticsearchConnectionConfig connection) {
    this.connection = Objects.requireNonNull(connection, "connection");
    return this;
  }

  /** Shortcut for a connection with only hosts (no auth, default TLS). */
  public ElasticsearchSinkBuilder<IN> setHosts(String... urls) {
    return setConnection(ElasticsearchConnectionConfig.forHosts(urls));
  }

  /** Replaces the HTTP bulk client (tests, custom transports); the connection is then not used. */
  public ElasticsearchSinkBuilder<IN> setBulkClientFactory(BulkClientFactory factory) {
    this.bulkClientFactory = Objects.requireNonNull(factory, "bulkClientFactory");
    return this;
  }

  /** Where rejected documents go; default {@link DeadLetterHandlers#failing()}. */
  public ElasticsearchSinkBuilder<IN> setDeadLetterHandlerFactory(
      DeadLetterHandlerFactory factory) {
    this.deadLetterHandlerFactory = Objects.requireNonNull(factory, "deadLetterHandlerFactory");
    return this;
  }

  /** Validates the combination and builds the sink (nothing connects until the job runs). */
  public ElasticsearchSink<IN> build() {
    if (elementConverter == null) {
      throw new IllegalStateException("an element converter is required (setElementConverter)");
    }
    if (connection == null && bulkClientFactory == null) {
      throw new IllegalStateException(
          "Elasticsearch hosts are required (setHosts, setConnection or setConfiguration)");
    }
    if (connection != null) {
      // A retry's backoff keeps its request in flight: a shorter timeout would re-queue it
      // mid-wait.
      Duration minimum = connection.socketTimeout().plus(config.retryPolicy().maxBackoff());
      if (config.requestTimeout().compareTo(minimum) <= 0) {
        throw new IllegalArgumentException(
            REQUEST_TIMEOUT.key()
                + " ("
                + config.requestTimeout()
                + ") must exceed socket timeout + "
                + RETRY_MAX_BACKOFF.key()
                + " ("
                + minimum
                + ")");
      }
    }
    BulkClientFactory clients =
        bulkClientFactory != null ? bulkClientFactory : RestBulkClient.factory(connection);
    return new ElasticsearchSink<>(elementConverter, config, clients, deadLetterHandlerFactory);
  }
}
