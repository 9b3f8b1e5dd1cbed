package io.abcstream.connectors.kafka;

import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.CodecException;
import io.abcstream.schemas.codec.RecordCodec;
import io.abcstream.schemas.internal.SourcedRequest;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes input-topic records into {@link SourcedRequest}s; a record that does not decode is not an
 * exception but a SourcedRequest carrying its raw bytes and the reason, for the dead-letter topic.
 */
public final class RequestDeserializationSchema
    implements KafkaRecordDeserializationSchema<SourcedRequest> {

  private static final long serialVersionUID = 1L;

  private final RecordCodec.Format format;
  private transient RecordCodec<ImageEmbeddingRequest> codec;

  public RequestDeserializationSchema(RecordCodec.Format format) {
    this.format = Objects.requireNonNull(format, "format");
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    codec = RecordCodec.of(format, ImageEmbeddingRequest.class);
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<SourcedRequest> out) {
    SourcedRequest.Builder sourced =
        SourcedRequest.newBuilder()
            .setTopic(record.topic())
            .setPartition(record.partition())
            .setOffset(record.offset())
            .setKafkaTimestamp(record.timestamp())
            .setRawKey(record.key() == null ? null : ByteBuffer.wrap(record.key()));
    try {
      sourced.setRequest(codec.decode(record.value()));
    } catch (CodecException e) {
      sourced
          .setMalformedReason(e.kind() + ": " + e.getMessage())
          .setRawValue(record.value() == null ? null : ByteBuffer.wrap(record.value()));
    }
    out.collect(sourced.build());
  }

  @Override
  public TypeInformation<SourcedRequest> getProducedType() {
    return new AvroTypeInfo<>(SourcedRequest.class);
  }
}
