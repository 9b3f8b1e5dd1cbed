package io.abcstream.jobs;

import io.abcstream.connectors.elasticsearch.DenseVectorOptions;
import io.abcstream.connectors.elasticsearch.ElasticsearchConnectionConfig;
import io.abcstream.connectors.elasticsearch.ElasticsearchSink;
import io.abcstream.connectors.elasticsearch.IndexManager;
import io.abcstream.connectors.kafka.AvroRecordSerializationSchema;
import io.abcstream.connectors.kafka.KafkaClientConfig;
import io.abcstream.connectors.kafka.KafkaClientProperties;
import io.abcstream.connectors.kafka.RequestDeserializationSchema;
import io.abcstream.fetch.FetchConfig;
import io.abcstream.jobs.config.JobOptions;
import io.abcstream.jobs.config.StartingOffsets;
import io.abcstream.model.runtime.Manifest;
import io.abcstream.operators.batching.BatchingOptions;
import io.abcstream.operators.document.DocumentConverter;
import io.abcstream.operators.document.DocumentOptions;
import io.abcstream.operators.document.EmbeddingDocument;
import io.abcstream.operators.embed.EmbeddingFunction;
import io.abcstream.operators.embed.EmbeddingOperatorConfig;
import io.abcstream.operators.embed.EmbeddingOptions;
import io.abcstream.operators.failure.DeadLetterLimits;
import io.abcstream.operators.failure.Failures;
import io.abcstream.operators.failure.KafkaDeadLetterHandlerFactory;
import io.abcstream.operators.route.OutcomeRouter;
import io.abcstream.operators.validate.RequestValidator;
import io.abcstream.operators.validate.ValidateRequestFunction;
import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.ImageEmbedding;
import io.abcstream.schemas.codec.RecordCodec;
import io.abcstream.schemas.internal.EmbeddingOutcome;
import io.abcstream.schemas.internal.SourcedRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Wires the embedding job: Kafka requests → validate → async embedding → Elasticsearch (and an
 * optional vector topic), every failure → the dead-letter topic. Only wiring lives here.
 */
public final class EmbeddingJob {

  /** What a caller needs to know about the job it built. */
  public record Plan(String index, String alias, String modelVersion, int dims) {}

  private EmbeddingJob() {}

  /**
   * Validates the configuration against the bundle, makes sure the index exists with the right
   * mapping, and adds the job to {@code env}.
   */
  public static Plan build(StreamExecutionEnvironment env, Configuration conf) {
    RecordCodec.Format inputFormat = RecordCodec.Format.parse(conf.get(JobOptions.INPUT_FORMAT));
    EmbeddingOperatorConfig embedConfig =
        EmbeddingOperatorConfig.fromConfiguration(conf, inputFormat);
    Path bundleDir = Paths.get(embedConfig.batching().bundleDir());
    if (!Files.isDirectory(bundleDir)) {
      throw new IllegalArgumentException(
          BatchingOptions.BUNDLE.key()
              + " "
              + bundleDir
              + " is not a directory: point it at an exported bundle (./abc export)");
    }
    Manifest manifest = Manifest.read(bundleDir);
    RecordCodec.Format outputFormat = RecordCodec.Format.parse(conf.get(JobOptions.OUTPUT_FORMAT));
    KafkaClientConfig kafka =
        KafkaClientProperties.parse(conf.get(JobOptions.KAFKA_BOOTSTRAP), conf.toMap(), "kafka.");

    DeadLetterLimits deadLetterLimits = deadLetterLimits(conf, outputFormat);

    Plan plan = ensureIndex(conf, manifest);

    KafkaSourceBuilder<SourcedRequest> sourceBuilder =
        KafkaSource.<SourcedRequest>builder()
            .setBootstrapServers(kafka.bootstrapServers())
            .setProperties(kafka.toProperties())
            .setTopics(conf.get(JobOptions.INPUT_TOPIC))
            .setGroupId(conf.get(JobOptions.GROUP_ID))
            .setStartingOffsets(
                StartingOffsets.parse(conf.get(JobOptions.STARTING_OFFSETS)).initializer())
            .setDeserializer(new RequestDeserializationSchema(inputFormat))
            .setProperty("commit.offsets.on.checkpoint", "true");
    if (conf.get(JobOptions.BOUNDED)) {
      sourceBuilder.setBounded(OffsetsInitializer.latest());
    }
    KafkaSource<SourcedRequest> source = sourceBuilder.build();

    DataStream<SourcedRequest> requests =
        env.fromSource(
                source,
                WatermarkStrategy.noWatermarks(),
                "kafka: " + conf.get(JobOptions.INPUT_TOPIC))
            .uid("kafka-source");

    FetchConfig fetch = embedConfig.fetch();
    // The validator's cheap early checks use the fetcher's limits and schemes, not settings of
    // their own.
    RequestValidator validator =
        RequestValidator.builder()
            .maxInlineBytes(fetch.maxBytes())
            .allowedSchemes(new HashSet<>(fetch.acceptedSchemes()))
            .maxInstructions(conf.get(JobOptions.MAX_INSTRUCTIONS))
            .maxUriChars(conf.get(JobOptions.MAX_URI_CHARS))
            .maxMetadataEntries(conf.get(JobOptions.MAX_METADATA_ENTRIES))
            .maxMetadataKeyBytes(conf.get(JobOptions.MAX_METADATA_KEY_BYTES))
            .maxMetadataValueBytes(conf.get(JobOptions.MAX_METADATA_VALUE_BYTES))
            .maxMetadataBytes(conf.get(JobOptions.MAX_METADATA_BYTES))
            .maxInstructionChars(embedConfig.batching().maxInstructionChars())
            .reservedTokens(new HashSet<>(manifest.reservedTokens()))
            .build();
    SingleOutputStreamOperator<SourcedRequest> valid =
        requests
            .process(
                new ValidateRequestFunction(
                    validator, inputFormat, manifest.modelVersion(), deadLetterLimits))
            .returns(new AvroTypeInfo<>(SourcedRequest.class))
            .uid("validate")
            .name("decode + validate");

    SingleOutputStreamOperator<EmbeddingOutcome> outcomes =
        AsyncDataStream.unorderedWait(
                valid,
                new EmbeddingFunction(embedConfig),
                conf.get(EmbeddingOptions.TIMEOUT).toMillis(),
                TimeUnit.MILLISECONDS,
                conf.get(EmbeddingOptions.CAPACITY))
            .returns(new AvroTypeInfo<>(EmbeddingOutcome.class))
            .uid("embed")
            .name("fetch + preprocess + ABC embed");

    SingleOutputStreamOperator<ImageEmbedding> embeddings =
        outcomes
            .process(new OutcomeRouter(deadLetterLimits))
            .returns(new AvroTypeInfo<>(ImageEmbedding.class))
            .uid("route-outcomes")
            .name("route outcomes");

    String dlqTopic = conf.get(JobOptions.DLQ_TOPIC);
    ElasticsearchSink<ImageEmbedding> esSink =
        ElasticsearchSink.<ImageEmbedding>builder()
            .setConfiguration(conf)
            .setElementConverter(
                new DocumentConverter(
                    plan.index(), inputFormat, conf.get(DocumentOptions.STORE_URI_QUERY)))
            .setDeadLetterHandlerFactory(
                new KafkaDeadLetterHandlerFactory(kafka, dlqTopic, deadLetterLimits))
            .build();
    embeddings.sinkTo(esSink).uid("es-sink").name("elasticsearch: " + plan.alias());

    conf.getOptional(JobOptions.VECTOR_TOPIC)
        .ifPresent(
            topic ->
                embeddings
                    .sinkTo(
                        kafkaSink(
                            kafka,
                            new AvroRecordSerializationSchema<>(
                                topic,
                                ImageEmbedding.class,
                                outputFormat,
                                ImageEmbedding::getDocId)))
                    .uid("vector-sink")
                    .name("kafka: " + topic));

    DataStream<EmbeddingFailure> deadLetters =
        valid
            .getSideOutput(Failures.DEAD_LETTERS)
            .union(embeddings.getSideOutput(Failures.DEAD_LETTERS));
    deadLetters
        .sinkTo(
            kafkaSink(
                kafka,
                new AvroRecordSerializationSchema<>(
                    dlqTopic, EmbeddingFailure.class, outputFormat, EmbeddingFailure::getRequestId),
                deadLetterLimits.maxRecordBytes()))
        .uid("dlq-sink")
        .name("kafka: " + dlqTopic);
    return plan;
  }

  static Plan ensureIndex(Configuration conf, Manifest manifest) {
    try (IndexManager indices =
        IndexManager.connect(ElasticsearchConnectionConfig.fromConfiguration(conf))) {
      IndexManager.EnsureResult result =
          indices.ensureIndex(
              IndexManager.IndexSpec.fromConfiguration(
                  conf,
                  manifest.modelVersion(),
                  EmbeddingDocument.mappings(
                      DenseVectorOptions.fromConfiguration(conf, manifest.dims()))));
      return new Plan(result.index(), result.alias(), manifest.modelVersion(), manifest.dims());
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot reach Elasticsearch to prepare the index: " + e.getMessage(), e);
    }
  }

  /**
   * The dead-letter limits from {@link JobOptions#DLQ_MAX_RECORD_SIZE}: one setting for both the
   * producers' {@code max.request.size} and the size dead letters are cut to.
   */
  static DeadLetterLimits deadLetterLimits(Configuration conf, RecordCodec.Format format) {
    long bytes = conf.get(JobOptions.DLQ_MAX_RECORD_SIZE).getBytes();
    if (bytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          JobOptions.DLQ_MAX_RECORD_SIZE.key() + " must be below 2 gb, got " + bytes + " bytes");
    }
    try {
      return new DeadLetterLimits((int) bytes, format);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          JobOptions.DLQ_MAX_RECORD_SIZE.key() + ": " + e.getMessage(), e);
    }
  }

  static <T> KafkaSink<T> kafkaSink(
      KafkaClientConfig kafka, KafkaRecordSerializationSchema<T> schema) {
    return kafkaSink(kafka, schema, 0);
  }

  /** With {@code maxRequestBytes} > 0 as the producer's {@code max.request.size}. */
  static <T> KafkaSink<T> kafkaSink(
      KafkaClientConfig kafka, KafkaRecordSerializationSchema<T> schema, int maxRequestBytes) {
    Properties props = kafka.toProperties();
    if (maxRequestBytes > 0) {
      props.setProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(maxRequestBytes));
    }
    return KafkaSink.<T>builder()
        .setBootstrapServers(kafka.bootstrapServers())
        .setKafkaProducerConfig(props)
        .setRecordSerializer(schema)
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .build();
  }
}
