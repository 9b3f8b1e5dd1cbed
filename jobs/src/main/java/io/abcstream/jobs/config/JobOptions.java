package io.abcstream.jobs.config;

import io.abcstream.operators.batching.BatchingConfig;
import io.abcstream.operators.embed.EmbeddingOperatorConfig;
import io.abcstream.operators.validate.RequestValidator;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * The embedding job's own settings (Kafka topics, the model, batching). Fetching and the
 * Elasticsearch sink and index have theirs in FetchOptions and ElasticsearchSinkOptions; any Flink option
 * (execution.checkpointing.*, restart-strategy.*, parallelism.default...) may sit in the same file.
 */
public final class JobOptions {

  private JobOptions() {}

  // Constants so the CLI's option defaults (annotations) name the same values.
  public static final String DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";
  public static final String DEFAULT_INPUT_TOPIC = "image-requests";
  public static final String DEFAULT_DLQ_TOPIC = "image-requests-dlq";

  public static final ConfigOption<String> JOB_NAME =
      ConfigOptions.key("job.name").stringType().defaultValue("abc-embedding")
          .withDescription("Flink job name.");

  // ---- Kafka
  public static final ConfigOption<String> KAFKA_BOOTSTRAP =
      ConfigOptions.key("kafka.bootstrap-servers").stringType().defaultValue(DEFAULT_BOOTSTRAP_SERVERS)
          .withDescription("Kafka bootstrap servers (host:port,...).");
  public static final ConfigOption<String> INPUT_TOPIC =
      ConfigOptions.key("kafka.input-topic").stringType().defaultValue(DEFAULT_INPUT_TOPIC)
          .withDescription("Topic of ImageEmbeddingRequest records.");
  public static final ConfigOption<String> INPUT_FORMAT =
      ConfigOptions.key("kafka.input-format").stringType().defaultValue("avro")
          .withDescription("avro (single-object encoding) or json.");
  public static final ConfigOption<String> GROUP_ID =
      ConfigOptions.key("kafka.group-id").stringType().defaultValue("abc-embedding")
          .withDescription("Consumer group; offsets are committed on checkpoints.");
  public static final ConfigOption<String> STARTING_OFFSETS =
      ConfigOptions.key("kafka.starting-offsets").stringType().defaultValue("committed")
          .withDescription("committed (falling back to earliest), earliest, latest, or timestamp:<epoch-millis>.");
  public static final ConfigOption<Boolean> BOUNDED =
      ConfigOptions.key("kafka.bounded").booleanType().defaultValue(false)
          .withDescription("Stop at the offsets that are latest at start-up (backfills).");
  public static final ConfigOption<String> DLQ_TOPIC =
      ConfigOptions.key("kafka.dlq-topic").stringType().defaultValue(DEFAULT_DLQ_TOPIC)
          .withDescription("Topic of EmbeddingFailure records.");
  public static final ConfigOption<String> VECTOR_TOPIC =
      ConfigOptions.key("kafka.vector-topic").stringType().noDefaultValue()
          .withDescription("Optional topic of ImageEmbedding records; unset = none.");
  public static final ConfigOption<String> OUTPUT_FORMAT =
      ConfigOptions.key("kafka.output-format").stringType().defaultValue("avro")
          .withDescription("Format of DLQ and vector records: avro or json.");

  // ---- Model and batching
  public static final ConfigOption<String> BUNDLE =
      ConfigOptions.key("model.bundle").stringType().defaultValue("bundles/tiny")
          .withDescription("Model bundle directory (manifest.json, tokenizer.json, vision.pt, language.pt).");
  public static final ConfigOption<List<String>> DEVICES =
      ConfigOptions.key("model.devices").stringType().asList().defaultValues("cpu")
          .withDescription("One inference worker per device: cpu or cuda:N.");
  public static final ConfigOption<Integer> INFERENCE_THREADS =
      ConfigOptions.key("model.cpu-inference-threads").intType()
          .defaultValue(BatchingConfig.DEFAULT_INFERENCE_THREADS)
          .withDescription("libtorch threads per CPU inference worker (0 = all cores); GPUs ignore it.");
  public static final ConfigOption<Integer> MAX_INSTRUCTION_TOKENS =
      ConfigOptions.key("model.max-instruction-tokens").intType().defaultValue(BatchingConfig.DEFAULT_MAX_INSTRUCTION_TOKENS)
          .withDescription("Instructions with more tokens go to the DLQ as INSTRUCTION_TOO_LONG.");
  public static final ConfigOption<Integer> BATCH_MAX_ITEMS =
      ConfigOptions.key("batch.max-items").intType().defaultValue(BatchingConfig.DEFAULT_MAX_ITEMS)
          .withDescription("Most rows per model batch.");
  public static final ConfigOption<Integer> BATCH_MAX_TOKENS =
      ConfigOptions.key("batch.max-tokens").intType().defaultValue(BatchingConfig.DEFAULT_MAX_TOKENS)
          .withDescription("Most padded tokens (rows x longest row) per batch.");
  public static final ConfigOption<Duration> BATCH_MAX_WAIT =
      ConfigOptions.key("batch.max-wait").durationType().defaultValue(BatchingConfig.DEFAULT_MAX_WAIT)
          .withDescription("How long the oldest row waits for companions.");

  // ---- Embedding operator
  public static final ConfigOption<Integer> CPU_THREADS =
      ConfigOptions.key("embed.cpu-threads").intType().defaultValue(EmbeddingOperatorConfig.DEFAULT_CPU_THREADS)
          .withDescription("Threads for decode, preprocessing and tokenization per operator instance.");
  public static final ConfigOption<Integer> CAPACITY =
      ConfigOptions.key("embed.capacity").intType().defaultValue(64)
          .withDescription("Requests in flight per operator instance (async capacity).");
  public static final ConfigOption<Duration> TIMEOUT =
      ConfigOptions.key("embed.timeout").durationType().defaultValue(Duration.ofMinutes(2))
          .withDescription("A request still unfinished after this goes to the DLQ as TIMEOUT.");
  public static final ConfigOption<Long> MAX_IMAGE_PIXELS =
      ConfigOptions.key("embed.max-image-pixels").longType().defaultValue(EmbeddingOperatorConfig.DEFAULT_MAX_IMAGE_PIXELS)
          .withDescription("Header pixel limit checked before decoding (Pillow's MAX_IMAGE_PIXELS).");
  public static final ConfigOption<Long> DECODE_PIXEL_BUDGET =
      ConfigOptions.key("embed.decode-pixel-budget").longType().defaultValue(EmbeddingOperatorConfig.DEFAULT_DECODE_PIXEL_BUDGET)
          .withDescription("Source pixels decoded at once per operator instance (~8 bytes each when decoded whole;"
              + " streamed JPEG rows hold far less but count their header pixels); bounds decode memory.");
  public static final ConfigOption<Integer> MAX_INSTRUCTIONS =
      ConfigOptions.key("embed.max-instructions").intType().defaultValue(RequestValidator.DEFAULT_MAX_INSTRUCTIONS)
          .withDescription("Most instructions per request.");
}
