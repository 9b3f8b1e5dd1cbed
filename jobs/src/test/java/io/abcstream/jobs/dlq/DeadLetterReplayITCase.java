package io.abcstream.jobs.dlq;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.jobs.KafkaTestTopics;
import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.codec.RecordCodec;
import io.abcstream.schemas.codec.SingleObjectCodec;
import io.abcstream.testkit.LocalStack;
import io.abcstream.testkit.LocalStackExtension;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
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
      producer
          .send(
              new ProducerRecord<>(
                  dlq,
                  codec.encode(
                      failure("r-404", FailureStage.FETCH, ErrorClass.FETCH_FAILED, "value-404"))))
          .get();
      producer
          .send(
              new ProducerRecord<>(
                  dlq,
                  codec.encode(
                      failure(null, FailureStage.DECODE, ErrorClass.MALFORMED_EVENT, "garbage"))))
          .get();
      producer
          .send(
              new ProducerRecord<>(
                  dlq,
                  codec.encode(
                      failure("r-oom", FailureStage.MODEL, ErrorClass.MODEL_ERROR, "value-oom"))))
          .get();
      producer
          .send(new ProducerRecord<>(dlq, "not a failure".getBytes(StandardCharsets.UTF_8)))
          .get();
    }
    DeadLetterReplayer replayer = new DeadLetterReplayer(props, RecordCodec.Format.AVRO);

    DeadLetterReplayer.Summary dry = replayer.replay(dlq, input, DeadLetterFilter.all(), true);
    assertThat(dry).isEqualTo(new DeadLetterReplayer.Summary(4, 3, 2, 1, 1, 0));
    assertThat(KafkaTestTopics.read(stack, input, 0)).isEmpty();

    DeadLetterReplayer.Summary fetchOnly =
        replayer.replay(
            dlq,
            input,
            new DeadLetterFilter(Set.of(ErrorClass.FETCH_FAILED), Set.of(), Set.of(), null),
            false);
    assertThat(fetchOnly.replayed()).isEqualTo(1);
    List<ConsumerRecord<byte[], byte[]>> replayed = KafkaTestTopics.read(stack, input, 1);
    assertThat(replayed).hasSize(1);
    assertThat(new String(replayed.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("value-404");
    assertThat(new String(replayed.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("key-r-404");
  }

  static EmbeddingFailure failure(
      String requestId, FailureStage stage, ErrorClass errorClass, String value) {
    return EmbeddingFailure.newBuilder()
        .setRequestId(requestId)
        .setOriginalKey(
            requestId == null
                ? null
                : ByteBuffer.wrap(("key-" + requestId).getBytes(StandardCharsets.UTF_8)))
        .setOriginalValue(ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)))
        .setStage(stage)
        .setErrorClass(errorClass)
        .setMessage("test")
        .setFailedAt(Instant.now())
        .build();
  }
}
