package io.abcstream.jobs.dlq;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.codec.RecordCodec;
import io.abcstream.schemas.codec.SingleObjectCodec;
import io.abcstream.testkit.LocalStack;
import io.abcstream.testkit.LocalStackExtension;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Replay puts exactly the chosen failures' original records back on the input topic. */
@ExtendWith(LocalStackExtension.class)
class DeadLetterReplayITCase {

  @Test
  void replaysChosenFailuresAndSkipsUndecodableOnes(LocalStack stack) throws Exception {
    String dlq = LocalStack.uniqueName("dlq");
    String input = LocalStack.uniqueName("input");
    SingleObjectCodec<EmbeddingFailure> codec = SingleObjectCodec.forClass(EmbeddingFailure.class);
    Properties props = new Properties();
    props.put("bootstrap.servers", stack.kafkaBootstrapServers());
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(dlq, codec.encode(failure("r-404", FailureStage.FETCH, ErrorClass.FETCH_FAILED, "value-404")))).get();
      producer.send(new ProducerRecord<>(dlq, codec.encode(failure(null, FailureStage.DECODE, ErrorClass.MALFORMED_EVENT, "garbage")))).get();
      producer.send(new ProducerRecord<>(dlq, codec.encode(failure("r-oom", FailureStage.MODEL, ErrorClass.MODEL_ERROR, "value-oom")))).get();
      producer.send(new ProducerRecord<>(dlq, "not a failure".getBytes(StandardCharsets.UTF_8))).get();
    }
    DeadLetterReplayer replayer = new DeadLetterReplayer(props, RecordCodec.Format.AVRO);

    DeadLetterReplayer.Summary dry = replayer.replay(dlq, input, DeadLetterFilter.all(), true);
    assertThat(dry).isEqualTo(new DeadLetterReplayer.Summary(4, 3, 2, 1, 1));
    assertThat(read(stack, input, 0)).isEmpty();

    DeadLetterReplayer.Summary fetchOnly = replayer.replay(
        dlq, input, new DeadLetterFilter(Set.of(ErrorClass.FETCH_FAILED), Set.of(), Set.of(), null), false);
    assertThat(fetchOnly.replayed()).isEqualTo(1);
    List<ConsumerRecord<byte[], byte[]>> replayed = read(stack, input, 1);
    assertThat(replayed).hasSize(1);
    assertThat(new String(replayed.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("value-404");
    assertThat(new String(replayed.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("key-r-404");
  }

  static EmbeddingFailure failure(String requestId, FailureStage stage, ErrorClass errorClass, String value) {
    return EmbeddingFailure.newBuilder()
        .setRequestId(requestId)
        .setOriginalKey(requestId == null ? null : ByteBuffer.wrap(("key-" + requestId).getBytes(StandardCharsets.UTF_8)))
        .setOriginalValue(ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)))
        .setStage(stage)
        .setErrorClass(errorClass)
        .setMessage("test")
        .setFailedAt(Instant.now())
        .build();
  }

  static List<ConsumerRecord<byte[], byte[]>> read(LocalStack stack, String topic, int expected) {
    Properties props = new Properties();
    props.put("bootstrap.servers", stack.kafkaBootstrapServers());
    props.put("group.id", LocalStack.uniqueName("reader"));
    props.put("auto.offset.reset", "earliest");
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(expected == 0 ? 3 : 30).toNanos();
      while (System.nanoTime() < deadline && records.size() <= expected) {
        consumer.poll(Duration.ofMillis(300)).forEach(records::add);
        if (expected > 0 && records.size() == expected) {
          consumer.poll(Duration.ofSeconds(1)).forEach(records::add); // nothing more may come
          break;
        }
      }
    }
    return records;
  }
}
