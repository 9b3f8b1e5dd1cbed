package io.abcstream.jobs.dlq;

import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.codec.CodecException;
import io.abcstream.schemas.codec.DeadLetterCodec;
import io.abcstream.schemas.codec.RecordCodec;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Reads the dead-letter topic from its start to the end offsets seen when it starts (so it
 * terminates even while the job keeps dead-lettering) and hands matching failures on; replay
 * re-publishes their original key and value to the input topic.
 */
public final class DeadLetterReplayer {

  /**
   * What a pass over the topic did; {@code truncated} counts the skipped letters whose original was
   * cut to fit the dead-letter record size (find the whole record at its source offset).
   */
  public record Summary(
      int read, int matched, int replayed, int skipped, int undecodable, int truncated) {}

  private final Properties kafka;
  private final RecordCodec<EmbeddingFailure> codec;

  public DeadLetterReplayer(Properties kafka, RecordCodec.Format format) {
    this.kafka = kafka;
    this.codec = DeadLetterCodec.of(format);
  }

  /** Calls {@code sink} for each matching failure. */
  public Summary scan(String dlqTopic, DeadLetterFilter filter, Consumer<EmbeddingFailure> sink) {
    int[] counts = new int[4];
    read(
        dlqTopic,
        record -> {
          counts[0]++;
          try {
            EmbeddingFailure f = codec.decode(record.value());
            if (filter.matches(f)) {
              counts[1]++;
              sink.accept(f);
            }
          } catch (CodecException e) {
            counts[3]++;
          }
        });
    return new Summary(counts[0], counts[1], 0, 0, counts[3], 0);
  }

  /** Re-publishes the matching, replayable failures' original records to {@code inputTopic}. */
  public Summary replay(
      String dlqTopic, String inputTopic, DeadLetterFilter filter, boolean dryRun) {
    List<EmbeddingFailure> chosen = new ArrayList<>();
    Summary scanned = scan(dlqTopic, filter, chosen::add);
    int replayed = 0;
    int skipped = 0;
    int truncated = 0;
    Properties props = new Properties();
    props.putAll(kafka);
    props.put("acks", "all");
    props.put("enable.idempotence", "true");
    try (KafkaProducer<byte[], byte[]> producer =
        dryRun
            ? null
            : new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (EmbeddingFailure f : chosen) {
        if (!DeadLetterFilter.replayable(f)) {
          skipped++;
          if (f.getOriginalValueTruncated()) {
            truncated++;
          }
          continue;
        }
        if (!dryRun) {
          producer.send(
              new ProducerRecord<>(
                  inputTopic, bytes(f.getOriginalKey()), bytes(f.getOriginalValue())));
        }
        replayed++;
      }
      if (producer != null) {
        producer.flush();
      }
    }
    return new Summary(
        scanned.read(), scanned.matched(), replayed, skipped, scanned.undecodable(), truncated);
  }

  private void read(String topic, Consumer<ConsumerRecord<byte[], byte[]>> each) {
    Properties props = new Properties();
    props.putAll(kafka);
    props.put("enable.auto.commit", "false");
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      consumer
          .partitionsFor(topic, Duration.ofSeconds(30))
          .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
      end.values().removeIf(offset -> offset == 0);
      while (!end.isEmpty()) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          TopicPartition tp = new TopicPartition(record.topic(), record.partition());
          Long last = end.get(tp);
          if (last != null && record.offset() < last) {
            each.accept(record);
          }
        }
        end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
      }
    }
  }

  private static byte[] bytes(ByteBuffer buffer) {
    if (buffer == null) {
      return null;
    }
    ByteBuffer dup = buffer.duplicate();
    byte[] out = new byte[dup.remaining()];
    dup.get(out);
    return out;
  }
}
