package io.abcstream.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.RecordCodec;
import io.abcstream.schemas.internal.SourcedRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

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
