package io.abcstream.connectors.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.abcstream.connectors.elasticsearch.DeadLetter;
import io.abcstream.connectors.elasticsearch.DeadLetterHandler;
import io.abcstream.connectors.elasticsearch.DeadLetterHandlerFactory;
import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.codec.RecordCodec;
import java.nio.ByteBuffer;
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
 * (stage INDEX, INDEX_REJECTED), with the document itself as the original value.
 */
public final class KafkaDeadLetterHandlerFactory implements DeadLetterHandlerFactory {

  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KafkaClientConfig kafka;
  private final String topic;
  private final RecordCodec.Format format;

  public KafkaDeadLetterHandlerFactory(KafkaClientConfig kafka, String topic, RecordCodec.Format format) {
    this.kafka = Objects.requireNonNull(kafka, "kafka");
    this.topic = Objects.requireNonNull(topic, "topic");
    this.format = Objects.requireNonNull(format, "format");
  }

  @Override
  public DeadLetterHandler create(WriterInitContext context) {
    Properties props = kafka.toProperties();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    RecordCodec<EmbeddingFailure> codec = RecordCodec.of(format, EmbeddingFailure.class);
    return new DeadLetterHandler() {
      @Override
      public CompletableFuture<Void> handle(DeadLetter deadLetter) {
        EmbeddingFailure failure = toFailure(deadLetter);
        CompletableFuture<Void> sent = new CompletableFuture<>();
        byte[] key =
            failure.getRequestId() == null ? null : failure.getRequestId().getBytes(StandardCharsets.UTF_8);
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

  static EmbeddingFailure toFailure(DeadLetter deadLetter) {
    byte[] source = deadLetter.operation().source();
    String requestId = null;
    String instruction = null;
    String modelVersion = null;
    if (source != null) {
      try {
        JsonNode doc = JSON.readTree(source);
        requestId = text(doc, "request_id");
        instruction = text(doc, "instruction");
        modelVersion = text(doc, "model_version");
      } catch (java.io.IOException e) {
        // The document is kept as the original value either way.
      }
    }
    return EmbeddingFailure.newBuilder()
        .setOriginalKey(ByteBuffer.wrap(deadLetter.operation().id().getBytes(StandardCharsets.UTF_8)))
        .setOriginalValue(source == null ? null : ByteBuffer.wrap(source))
        .setSourceTopic(null)
        .setRequestId(requestId)
        .setInstruction(instruction)
        .setStage(FailureStage.INDEX)
        .setErrorClass(ErrorClass.INDEX_REJECTED)
        .setMessage(
            "index " + deadLetter.operation().index() + " rejected document " + deadLetter.operation().id()
                + ": " + deadLetter.describe())
        .setAttempts(Math.max(1, deadLetter.attempts()))
        .setFailedAt(Instant.now())
        .setModelVersion(modelVersion)
        .build();
  }

  private static String text(JsonNode doc, String field) {
    JsonNode n = doc.get(field);
    return n == null || n.isNull() ? null : n.asText();
  }
}
