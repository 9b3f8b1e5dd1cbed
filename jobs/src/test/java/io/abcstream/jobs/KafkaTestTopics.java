package io.abcstream.jobs;

import io.abcstream.testkit.LocalStack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Producing to and reading back from the test stack's topics. */
public final class KafkaTestTopics {

  private KafkaTestTopics() {}

  public static KafkaProducer<byte[], byte[]> producer(LocalStack stack) {
    Properties props = new Properties();
    props.put("bootstrap.servers", stack.kafkaBootstrapServers());
    props.put("acks", "all");
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /**
   * Reads {@code topic} from the start until {@code expected} records arrived, then one more poll
   * so that an extra (duplicate or wrong) record shows up; with 0 expected it reads for 3 s.
   */
  public static List<ConsumerRecord<byte[], byte[]>> read(
      LocalStack stack, String topic, int expected) {
    Properties props = new Properties();
    props.put("bootstrap.servers", stack.kafkaBootstrapServers());
    props.put("group.id", LocalStack.uniqueName("reader"));
    props.put("auto.offset.reset", "earliest");
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(expected == 0 ? 3 : 120).toNanos();
      while (System.nanoTime() < deadline && records.size() < Math.max(1, expected)) {
        consumer.poll(Duration.ofMillis(300)).forEach(records::add);
      }
      consumer.poll(Duration.ofSeconds(1)).forEach(records::add);
    }
    return records;
  }
}
