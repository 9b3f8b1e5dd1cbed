package io.abcstream.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.RecordCodec;
import io.abcstream.schemas.internal.SourcedRequest;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The codec is built in open(), as Flink's Kafka source and sink call it, and used per record. */
class KafkaRecordSchemasTest {

  private static ImageEmbeddingRequest request(String id) {
    return ImageEmbeddingRequest.newBuilder()
        .setId(id)
        .setImage("https://img.test/a.png")
        .setInstructions(List.of("count the cats"))
        .build();
  }

  @Test
  void serializerWritesKeyedRecordsThatTheDeserializerReadsBack() throws Exception {
    AvroRecordSerializationSchema<ImageEmbeddingRequest> serializer =
        new AvroRecordSerializationSchema<>(
            "requests",
            ImageEmbeddingRequest.class,
            RecordCodec.Format.AVRO,
            ImageEmbeddingRequest::getId);
    serializer.open(null, null);
    ProducerRecord<byte[], byte[]> written = serializer.serialize(request("r-1"), null, 42L);

    assertThat(written.topic()).isEqualTo("requests");
    assertThat(written.timestamp()).isEqualTo(42L);
    assertThat(new String(written.key(), StandardCharsets.UTF_8)).isEqualTo("r-1");

    RequestDeserializationSchema deserializer =
        new RequestDeserializationSchema(RecordCodec.Format.AVRO);
    deserializer.open(null);
    SourcedRequest read =
        deserializeOne(
            deserializer, new ConsumerRecord<>("requests", 3, 7L, written.key(), written.value()));

    assertThat(read.getRequest()).isEqualTo(request("r-1"));
    assertThat(read.getMalformedReason()).isNull();
    assertThat(read.getTopic()).isEqualTo("requests");
    assertThat(read.getPartition()).isEqualTo(3);
    assertThat(read.getOffset()).isEqualTo(7L);
    assertThat(read.getRawKey()).isEqualTo(ByteBuffer.wrap(written.key()));
  }

  @Test
  void undecodableValueBecomesAMalformedRequestCarryingItsBytes() throws Exception {
    RequestDeserializationSchema deserializer =
        new RequestDeserializationSchema(RecordCodec.Format.JSON);
    deserializer.open(null);
    byte[] garbage = "{not json".getBytes(StandardCharsets.UTF_8);

    SourcedRequest read =
        deserializeOne(deserializer, new ConsumerRecord<>("requests", 0, 1L, null, garbage));

    assertThat(read.getRequest()).isNull();
    assertThat(read.getMalformedReason()).startsWith("INVALID_JSON: ");
    assertThat(read.getRawValue()).isEqualTo(ByteBuffer.wrap(garbage));
    assertThat(read.getRawKey()).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        // body after the 10-byte header, as hex; the request's fields are id, image, instructions,
        // metadata, event_time
        "id declares 2e9 bytes                | 80d0acf30e            | TRUNCATED",
        "id declares 100 MB                   | 8084af5f61              | TRUNCATED",
        "image bytes declare 2e9              | 027202 80d0acf30e       | TRUNCATED",
        "instructions block count 2e9         | 0272 00 0275 80d0acf30e | TRUNCATED",
        "metadata block count 100M            | 0272 00 0275 00 8084af5f | TRUNCATED",
        "id is not UTF-8                      | 04 61ff 00 0275 00 00 00 | MALFORMED",
        "union index 5                        | 0272 0a                 | MALFORMED",
      })
  void hostileAvroValueBecomesAMalformedRequestWithoutAllocatingItsDeclaredSize(
      String name, String bodyHex, String kind) throws Exception {
    RequestDeserializationSchema deserializer =
        new RequestDeserializationSchema(RecordCodec.Format.AVRO);
    deserializer.open(null);
    byte[] header =
        Arrays.copyOf(
            RecordCodec.of(RecordCodec.Format.AVRO, ImageEmbeddingRequest.class)
                .encode(request("x")),
            10);
    byte[] body = HexFormat.of().parseHex(bodyHex.replace(" ", ""));
    byte[] value = Arrays.copyOf(header, header.length + body.length);
    System.arraycopy(body, 0, value, header.length, body.length);
    ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("requests", 0, 9L, null, value);
    deserializeOne(deserializer, record); // warm-up

    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
    SourcedRequest read = deserializeOne(deserializer, record);
    long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;

    assertThat(read.getRequest()).as(name).isNull();
    assertThat(read.getMalformedReason()).as(name).startsWith(kind + ": ");
    assertThat(read.getRawValue()).isEqualTo(ByteBuffer.wrap(value));
    assertThat(read.getOffset()).isEqualTo(9L);
    // The declared sizes are 100 MB and more; a rejection costs tens of kB.
    assertThat(allocated).as("%s: bytes allocated", name).isLessThan(4L << 20);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "duplicate key        | {\"id\":\"a\",\"id\":\"b\",\"image\":\"u\"}",
        "unpaired surrogate   | {\"id\":\"a\\ud800\",\"image\":\"u\"}",
        "nested 10,000 deep   | NESTED",
      })
  void hostileJsonValueBecomesAMalformedRequest(String name, String json) throws Exception {
    RequestDeserializationSchema deserializer =
        new RequestDeserializationSchema(RecordCodec.Format.JSON);
    deserializer.open(null);
    String text = json.equals("NESTED") ? "[".repeat(10_000) + "]".repeat(10_000) : json;
    byte[] value = text.getBytes(StandardCharsets.UTF_8);

    SourcedRequest read =
        deserializeOne(deserializer, new ConsumerRecord<>("requests", 0, 1L, null, value));

    assertThat(read.getRequest()).as(name).isNull();
    assertThat(read.getMalformedReason()).as(name).startsWith("INVALID_JSON: ");
    assertThat(read.getRawValue()).isEqualTo(ByteBuffer.wrap(value));
  }

  private static SourcedRequest deserializeOne(
      RequestDeserializationSchema schema, ConsumerRecord<byte[], byte[]> record) throws Exception {
    List<SourcedRequest> out = new ArrayList<>();
    schema.deserialize(
        record,
        new Collector<>() {
          @Override
          public void collect(SourcedRequest value) {
            out.add(value);
          }

          @Override
          public void close() {}
        });
    assertThat(out).hasSize(1);
    return out.get(0);
  }
}
