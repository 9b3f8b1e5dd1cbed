package io.abcstream.operators.failure;

import io.abcstream.connectors.elasticsearch.DeadLetter;
import io.abcstream.connectors.elasticsearch.DeadLetterHandler;
import io.abcstream.connectors.elasticsearch.DeadLetterHandlerFactory;
import io.abcstream.connectors.kafka.KafkaClientConfig;
import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.codec.RecordCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends documents Elasticsearch rejected to the dead-letter topic as {@link EmbeddingFailure}
 * (stage INDEX, INDEX_REJECTED; see {@link Failures#indexRejected}).
 */
public final class KafkaDeadLetterHandlerFactory implements DeadLetterHandlerFactory {

  private static final long serialVersionUID = 1L;

  private final KafkaClientConfig kafka;
  private final String topic;
  private final DeadLetterLimits limits;

  /**
   * @param limits the dead-letter topic's format and record size (also this producer's {@code
   *     max.request.size}). The request in {@code original_value} was encoded in the input topic's
   *     format by the element converter ({@code DocumentConverter}), so a replay to the input topic
   *     is read like any other record
   */
  public KafkaDeadLetterHandlerFactory(
      KafkaClientConfig kafka, String topic, DeadLetterLimits limits) {
    this.kafka = Objects.requireNonNull(kafka, "kafka");
    this.topic = Objects.requireNonNull(topic, "topic");
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  @Override
  public DeadLetterHandler create(WriterInitContext context) {
    Properties props = kafka.toProperties();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(limits.maxRecordBytes()));
    KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    RecordCodec<EmbeddingFailure> codec = RecordCodec.of(limits.format(), EmbeddingFailure.class);
    return new DeadLetterHandler() {
      @Override
      public CompletableFuture<Void> handle(DeadLetter deadLetter) {
        EmbeddingFailure failure = limits.fit(Failures.indexRejected(deadLetter, Instant.now()));
        CompletableFuture<Void> sent = new CompletableFuture<>();
        byte[] key =
            failure.getRequestId() == null
                ? null
                : failure.getRequestId().getBytes(StandardCharsets.UTF_8);
        producer.send(
            new ProducerRecord<>(topic, key, codec.encode(failure)),
            (metadata, error) -> {
              if (error == null) {
                sent.complete(null);
              } else {
                sent.completeExceptionally(error);
              }
            });
        return sent;
      }

      @Override
      public void close() {
        producer.close();
      }
    };
  }
}
