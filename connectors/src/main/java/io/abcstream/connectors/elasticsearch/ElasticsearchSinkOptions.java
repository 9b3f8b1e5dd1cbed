package io.abcstream.connectors.elasticsearch;

import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;

/**
 * Every setting of the Elasticsearch connection and sink as a Flink {@link ConfigOption}; secrets
 * only by reference.
 */
public final class ElasticsearchSinkOptions {

  private ElasticsearchSinkOptions() {}

  // ------------------------------------------------------------------ connection

  public static final ConfigOption<List<String>> HOSTS =
      ConfigOptions.key("elasticsearch.hosts")
          .stringType()
          .asList()
          .noDefaultValue()
          .withDescription("Elasticsearch node URLs, e.g. https://es-0:9200;https://es-1:9200.");

  public static final ConfigOption<String> PATH_PREFIX =
      ConfigOptions.key("elasticsearch.path-prefix")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Path prefix when Elasticsearch sits behind a proxy at a sub-path, e.g. /es.");

  public static final ConfigOption<String> USERNAME =
      ConfigOptions.key("elasticsearch.auth.username")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Basic-auth user name (the password comes from password.env or password.file).");

  public static final ConfigOption<String> PASSWORD_ENV =
      ConfigOptions.key("elasticsearch.auth.password.env")
          .stringType()
          .noDefaultValue()
          .withDescription("Name of the environment variable holding the basic-auth password.");

  public static final ConfigOption<String> PASSWORD_FILE =
      ConfigOptions.key("elasticsearch.auth.password.file")
          .stringType()
          .noDefaultValue()
          .withDescription("Path of a file holding the basic-auth password.");

  public static final ConfigOption<String> API_KEY_ENV =
      ConfigOptions.key("elasticsearch.auth.api-key.env")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Name of the environment variable holding an encoded API key (sent as 'ApiKey <key>').");

  public static final ConfigOption<String> API_KEY_FILE =
      ConfigOptions.key("elasticsearch.auth.api-key.file")
          .stringType()
          .noDefaultValue()
          .withDescription("Path of a file holding an encoded API key.");

  public static final ConfigOption<String> TRUSTSTORE_PATH =
      ConfigOptions.key("elasticsearch.tls.truststore.path")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Trust store (PKCS12 or JKS) with the CA that signed the cluster's certificate.");

  public static final ConfigOption<String> TRUSTSTORE_TYPE =
      ConfigOptions.key("elasticsearch.tls.truststore.type")
          .stringType()
          .defaultValue("PKCS12")
          .withDescription("Trust store type: PKCS12 or JKS.");

  public static final ConfigOption<String> TRUSTSTORE_PASSWORD_ENV =
      ConfigOptions.key("elasticsearch.tls.truststore.password.env")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Environment variable holding the trust store password (none if unset).");

  public static final ConfigOption<String> TRUSTSTORE_PASSWORD_FILE =
      ConfigOptions.key("elasticsearch.tls.truststore.password.file")
          .stringType()
          .noDefaultValue()
          .withDescription("File holding the trust store password.");

  public static final ConfigOption<String> CA_PEM_PATH =
      ConfigOptions.key("elasticsearch.tls.ca.path")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "PEM file with the CA certificate(s) to trust (alternative to a trust store), e.g. http_ca.crt.");

  public static final ConfigOption<Boolean> TLS_VERIFY =
      ConfigOptions.key("elasticsearch.tls.verify")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "Verify the server certificate and host name. Turn off only for throw-away test clusters.");

  public static final ConfigOption<Duration> CONNECT_TIMEOUT =
      ConfigOptions.key("elasticsearch.connect-timeout")
          .durationType()
          .defaultValue(Duration.ofSeconds(5))
          .withDescription("TCP connect timeout.");

  public static final ConfigOption<Duration> SOCKET_TIMEOUT =
      ConfigOptions.key("elasticsearch.socket-timeout")
          .durationType()
          .defaultValue(Duration.ofSeconds(60))
          .withDescription("Socket (response) timeout of one HTTP request.");

  // ------------------------------------------------------------------ batching (AsyncSinkBase)

  public static final ConfigOption<Integer> MAX_BATCH_SIZE =
      ConfigOptions.key("elasticsearch.sink.batch.max-actions")
          .intType()
          .defaultValue(500)
          .withDescription("Most operations in one bulk request.");

  public static final ConfigOption<MemorySize> MAX_BATCH_SIZE_IN_BYTES =
      ConfigOptions.key("elasticsearch.sink.batch.max-size")
          .memoryType()
          .defaultValue(MemorySize.parse("5mb"))
          .withDescription("Most bytes in one bulk request (Elastic recommends a few MB).");

  public static final ConfigOption<Duration> MAX_TIME_IN_BUFFER =
      ConfigOptions.key("elasticsearch.sink.batch.max-time")
          .durationType()
          .defaultValue(Duration.ofSeconds(1))
          .withDescription(
              "Longest an operation waits in the buffer before a (partial) batch is sent.");

  public static final ConfigOption<Integer> MAX_IN_FLIGHT_REQUESTS =
      ConfigOptions.key("elasticsearch.sink.requests.max-in-flight")
          .intType()
          .defaultValue(2)
          .withDescription(
              "Most bulk requests in flight per writer (a retry backoff counts as in flight).");

  public static final ConfigOption<Integer> MAX_BUFFERED_REQUESTS =
      ConfigOptions.key("elasticsearch.sink.requests.max-buffered")
          .intType()
          .defaultValue(5000)
          .withDescription(
              "Most operations buffered per writer before write() blocks (back-pressure).");

  public static final ConfigOption<MemorySize> MAX_RECORD_SIZE_IN_BYTES =
      ConfigOptions.key("elasticsearch.sink.record.max-size")
          .memoryType()
          .defaultValue(MemorySize.parse("5mb"))
          .withDescription("Largest single operation; at most elasticsearch.sink.batch.max-size.");

  public static final ConfigOption<Duration> REQUEST_TIMEOUT =
      ConfigOptions.key("elasticsearch.sink.request.timeout")
          .durationType()
          .defaultValue(Duration.ofMinutes(5))
          .withDescription(
              "Longest a bulk request (including its retry backoff) may stay in flight before the whole"
                  + " batch is re-queued; must exceed socket-timeout + retry.max-backoff.");

  public static final ConfigOption<Boolean> FLUSH_ON_CHECKPOINT =
      ConfigOptions.key("elasticsearch.sink.flush-on-checkpoint")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "Send the whole buffer and wait for it before a checkpoint completes, so a completed"
                  + " checkpoint means the documents are in Elasticsearch. When false, only in-flight"
                  + " requests are awaited and buffered operations go into the checkpoint (still at least once).");

  // ------------------------------------------------------------------ retries

  public static final ConfigOption<Integer> RETRY_MAX_ATTEMPTS =
      ConfigOptions.key("elasticsearch.sink.retry.max-attempts")
          .intType()
          .defaultValue(10)
          .withDescription(
              "Sends per operation for retryable errors (429, 502-504, rejected execution, I/O), first included.");

  public static final ConfigOption<Duration> RETRY_INITIAL_BACKOFF =
      ConfigOptions.key("elasticsearch.sink.retry.initial-backoff")
          .durationType()
          .defaultValue(Duration.ofMillis(200))
          .withDescription("Backoff after the first retryable failure; doubles per attempt.");

  public static final ConfigOption<Duration> RETRY_MAX_BACKOFF =
      ConfigOptions.key("elasticsearch.sink.retry.max-backoff")
          .durationType()
          .defaultValue(Duration.ofSeconds(30))
          .withDescription("Cap of the exponential backoff.");

  public static final ConfigOption<RetryPolicy.ExhaustedAction> RETRY_ON_EXHAUSTED =
      ConfigOptions.key("elasticsearch.sink.retry.on-exhausted")
          .enumType(RetryPolicy.ExhaustedAction.class)
          .defaultValue(RetryPolicy.ExhaustedAction.FAIL)
          .withDescription(
              "When retries run out: FAIL the job (restart from the checkpoint; default) or send the"
                  + " operation to the DEAD_LETTER handler.");

  // ------------------------------------------------------------------ index management
  // (IndexManager)

  public static final ConfigOption<String> INDEX_PREFIX =
      ConfigOptions.key("elasticsearch.index.prefix")
          .stringType()
          .defaultValue("abc-embeddings")
          .withDescription(
              "Alias name; the index is <prefix>-<model version> (sanitised to Elasticsearch's rules).");

  public static final ConfigOption<String> INDEX_OPTIONS_TYPE =
      ConfigOptions.key("elasticsearch.index.vector-index-type")
          .stringType()
          .defaultValue("int8_hnsw")
          .withDescription(
              "dense_vector index_options type: hnsw, int8_hnsw, int4_hnsw, bbq_hnsw, flat, int8_flat, int4_flat, bbq_flat.");

  public static final ConfigOption<Integer> INDEX_SHARDS =
      ConfigOptions.key("elasticsearch.index.shards")
          .intType()
          .noDefaultValue()
          .withDescription("number_of_shards of a newly created index (cluster default if unset).");

  public static final ConfigOption<Integer> INDEX_REPLICAS =
      ConfigOptions.key("elasticsearch.index.replicas")
          .intType()
          .noDefaultValue()
          .withDescription(
              "number_of_replicas of a newly created index (cluster default if unset; 0 for one node).");

  public static final ConfigOption<Boolean> INDEX_MOVE_ALIAS =
      ConfigOptions.key("elasticsearch.index.move-alias")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "Move the alias to the new index when it points at another one (e.g. after a backfill)."
                  + " Default: leave it and report it.");
}
