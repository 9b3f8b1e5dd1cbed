package io.abcstream.connectors.elasticsearch;

import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.codec.SingleObjectCodec;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Dead letters to a Kafka DLQ topic as {@link EmbeddingFailure} (Avro single-object encoding, key =
 * request id); a letter counts as handled once the broker acknowledged it (acks=all, idempotent).
 */
public final class KafkaDeadLetterHandlerFactory implements DeadLetterHandlerFactory {

  private static final long serialVersionUID = 1L;

  private final String bootstrapServers;
  private final String topic;
  private final HashMap<String, String> producerProperties;

  private KafkaDeadLetterHandlerFactory(String bootstrapServers, String topic, Map<String, String> producerProperties) {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.producerProperties = new HashMap<>(producerProperties);
  }

  /**
   * @param bootstrapServers Kafka bootstrap servers
   * @param topic the DLQ topic
   * @param producerProperties extra producer settings (security etc.); may override the defaults
   */
  public static KafkaDeadLetterHandlerFactory of(String bootstrapServers, String topic, Map<String, String> producerProperties) {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("Kafka bootstrap servers are required for the dead-letter topic");
    }
    if (topic == null || topic.isBlank()) {
      throw new IllegalArgumentException("the dead-letter topic name is required");
    }
    return new KafkaDeadLetterHandlerFactory(bootstrapServers, topic, Objects.requireNonNull(producerProperties, "producerProperties"));
  }

  @Override
  public DeadLetterHandler create(WriterInitContext context) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "abc-es-sink-dlq-" + (context == null ? 0 : context.getTaskInfo().getIndexOfThisSubtask()));
    props.putAll(producerProperties);
    KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    SingleObjectCodec<EmbeddingFailure> codec = SingleObjectCodec.forClass(EmbeddingFailure.class);
    Clock clock = Clock.systemUTC();
    return new DeadLetterHandler() {
      @Override
      public CompletableFuture<Void> handle(DeadLetter letter) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        try {
          EmbeddingFailure failure = EmbeddingFailureDeadLetters.toEmbeddingFailure(letter, clock.instant());
          byte[] key = failure.getRequestId() == null ? null : failure.getRequestId().getBytes(java.nio.charset.StandardCharsets.UTF_8);
          producer.send(
              new ProducerRecord<>(topic, key, codec.encode(failure)),
              (metadata, error) -> {
                if (error != null) {
                  acked.completeExceptionally(error);
                } else {
                  acked.complete(null);
                }
              });
        } catch (RuntimeException e) {
          acked.completeExceptionally(e);
        }
        return acked;
      }

      @Override
      public void close() {
        producer.close(Duration.ofSeconds(10));
      }
    };
  }

  @Override
  public String toString() {
    return "KafkaDeadLetterHandlerFactory{" + bootstrapServers + " -> " + topic + "}";
  }
}
