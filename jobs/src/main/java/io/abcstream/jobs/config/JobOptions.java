package io.abcstream.jobs.config;

import io.abcstream.operators.failure.DeadLetterLimits;
import io.abcstream.operators.validate.RequestValidator;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;

/**
 * The embedding job's own settings (Kafka topics, request validation). The model and batching, the
 * embedding operator, fetching and the Elasticsearch sink and index have theirs in BatchingOptions,
 * EmbeddingOptions, FetchOptions and ElasticsearchSinkOptions; any Flink option
 * (execution.checkpointing.*, restart-strategy.*, parallelism.default...) may sit in the same file.
 */
public final class JobOptions {

  private JobOptions() {}

  // Constants so the CLI's option defaults (annotations) name the same values.
  public static final String DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";
  public static final String DEFAULT_INPUT_TOPIC = "image-requests";
  public static final String DEFAULT_DLQ_TOPIC = "image-requests-dlq";

  public static final ConfigOption<String> JOB_NAME =
      ConfigOptions.key("job.name")
          .stringType()
          .defaultValue("abc-embedding")
          .withDescription("Flink job name.");

  // ---- Kafka
  public static final ConfigOption<String> KAFKA_BOOTSTRAP =
      ConfigOptions.key("kafka.bootstrap-servers")
          .stringType()
          .defaultValue(DEFAULT_BOOTSTRAP_SERVERS)
          .withDescription("Kafka bootstrap servers (host:port,...).");
  public static final ConfigOption<String> INPUT_TOPIC =
      ConfigOptions.key("kafka.input-topic")
          .stringType()
          .defaultValue(DEFAULT_INPUT_TOPIC)
          .withDescription("Topic of ImageEmbeddingRequest records.");
  public static final ConfigOption<String> INPUT_FORMAT =
      ConfigOptions.key("kafka.input-format")
          .stringType()
          .defaultValue("avro")
          .withDescription("avro (single-object encoding) or json.");
  public static final ConfigOption<String> GROUP_ID =
      ConfigOptions.key("kafka.group-id")
          .stringType()
          .defaultValue("abc-embedding")
          .withDescription("Consumer group; offsets are committed on checkpoints.");
  public static final ConfigOption<String> STARTING_OFFSETS =
      ConfigOptions.key("kafka.starting-offsets")
          .stringType()
          .defaultValue("committed")
          .withDescription(
              "committed (falling back to earliest), earliest, latest, or timestamp:<epoch-millis>.");
  public static final ConfigOption<Boolean> BOUNDED =
      ConfigOptions.key("kafka.bounded")
          .booleanType()
          .defaultValue(false)
          .withDescription("Stop at the offsets that are latest at start-up (backfills).");
  public static final ConfigOption<String> DLQ_TOPIC =
      ConfigOptions.key("kafka.dlq-topic")
          .stringType()
          .defaultValue(DEFAULT_DLQ_TOPIC)
          .withDescription("Topic of EmbeddingFailure records.");
  public static final ConfigOption<MemorySize> DLQ_MAX_RECORD_SIZE =
      ConfigOptions.key("kafka.dlq-max-record-size")
          .memoryType()
          .defaultValue(new MemorySize(DeadLetterLimits.DEFAULT_MAX_RECORD_BYTES))
          .withDescription(
              "Largest dead-letter record (key, value and Kafka's framing): the dead-letter"
                  + " producers' max.request.size, and the size every dead letter is cut to (its"
                  + " original value first, keeping the whole value's length and SHA-256). At least"
                  + " 128 kb; keep it within the broker's message.max.bytes.");
  public static final ConfigOption<String> VECTOR_TOPIC =
      ConfigOptions.key("kafka.vector-topic")
          .stringType()
          .noDefaultValue()
          .withDescription("Optional topic of ImageEmbedding records; unset = none.");
  public static final ConfigOption<String> OUTPUT_FORMAT =
      ConfigOptions.key("kafka.output-format")
          .stringType()
          .defaultValue("avro")
          .withDescription("Format of DLQ and vector records: avro or json.");

  // ---- Request validation (the model and batching settings are in BatchingOptions, the
  // embedding operator's in EmbeddingOptions)
  public static final ConfigOption<Integer> MAX_INSTRUCTIONS =
      ConfigOptions.key("embed.max-instructions")
          .intType()
          .defaultValue(RequestValidator.DEFAULT_MAX_INSTRUCTIONS)
          .withDescription("Most instructions per request.");
  public static final ConfigOption<Integer> MAX_URI_CHARS =
      ConfigOptions.key("embed.max-uri-chars")
          .intType()
          .defaultValue(RequestValidator.DEFAULT_MAX_URI_CHARS)
          .withDescription(
              "Longest image URI (data: URIs excepted: the fetch byte limit bounds them); longer →"
                  + " VALIDATE/INVALID_REQUEST.");
  public static final ConfigOption<Integer> MAX_METADATA_ENTRIES =
      ConfigOptions.key("embed.max-metadata-entries")
          .intType()
          .defaultValue(RequestValidator.DEFAULT_MAX_METADATA_ENTRIES)
          .withDescription("Most metadata entries per request.");
  public static final ConfigOption<Integer> MAX_METADATA_KEY_BYTES =
      ConfigOptions.key("embed.max-metadata-key-bytes")
          .intType()
          .defaultValue(RequestValidator.DEFAULT_MAX_METADATA_KEY_BYTES)
          .withDescription("Longest metadata key, in UTF-8 bytes.");
  public static final ConfigOption<Integer> MAX_METADATA_VALUE_BYTES =
      ConfigOptions.key("embed.max-metadata-value-bytes")
          .intType()
          .defaultValue(RequestValidator.DEFAULT_MAX_METADATA_VALUE_BYTES)
          .withDescription(
              "Longest metadata value, in UTF-8 bytes; key + value must stay below 32,766 (one"
                  + " Lucene term).");
  public static final ConfigOption<Integer> MAX_METADATA_BYTES =
      ConfigOptions.key("embed.max-metadata-bytes")
          .intType()
          .defaultValue(RequestValidator.DEFAULT_MAX_METADATA_BYTES)
          .withDescription("All metadata keys and values of a request together, in UTF-8 bytes.");
}
