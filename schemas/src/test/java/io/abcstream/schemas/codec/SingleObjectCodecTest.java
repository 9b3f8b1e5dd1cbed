package io.abcstream.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.EmbeddingMode;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.ImageEmbedding;
import io.abcstream.schemas.ImageEmbeddingRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

class SingleObjectCodecTest {

  static ImageEmbeddingRequest sampleRequest() {
    return ImageEmbeddingRequest.newBuilder()
        .setId("req-1")
        .setImage("https://images.example.com/cat.jpg")
        .setInstructions(List.of("what is the animal on the left?", "左边的动物是什么？"))
        .setMetadata(Map.of("tenant", "t1"))
        .setEventTime(Instant.ofEpochMilli(1_700_000_000_123L))
        .build();
  }

  private final SingleObjectCodec<ImageEmbeddingRequest> codec =
      SingleObjectCodec.forClass(ImageEmbeddingRequest.class);

  @Test
  void requestRoundTrips() throws Exception {
    ImageEmbeddingRequest request = sampleRequest();
    byte[] bytes = codec.encode(request);
    assertThat(bytes[0]).isEqualTo((byte) 0xC3);
    assertThat(bytes[1]).isEqualTo((byte) 0x01);
    assertThat(codec.decode(bytes)).isEqualTo(request);
  }

  @Test
  void inlineBytesRoundTrip() throws Exception {
    ImageEmbeddingRequest request =
        ImageEmbeddingRequest.newBuilder()
            .setId("inline")
            .setImage(ByteBuffer.wrap(new byte[] {(byte) 0x89, 'P', 'N', 'G'}))
            .build();
    ImageEmbeddingRequest back = codec.decode(codec.encode(request));
    assertThat(back.getImage()).isEqualTo(ByteBuffer.wrap(new byte[] {(byte) 0x89, 'P', 'N', 'G'}));
    assertThat(back.getInstructions()).isEmpty();
    assertThat(back.getEventTime()).isNull();
  }

  @Test
  void failureAndEmbeddingRoundTrip() throws Exception {
    EmbeddingFailure failure =
        EmbeddingFailure.newBuilder()
            .setOriginalValue(ByteBuffer.wrap(new byte[] {1, 2, 3}))
            .setSourceTopic("requests")
            .setSourcePartition(3)
            .setSourceOffset(42L)
            .setStage(FailureStage.FETCH)
            .setErrorClass(ErrorClass.FETCH_FORBIDDEN)
            .setMessage("127.0.0.1 is a loopback address")
            .setFailedAt(Instant.ofEpochMilli(5))
            .build();
    SingleObjectCodec<EmbeddingFailure> failures =
        SingleObjectCodec.forClass(EmbeddingFailure.class);
    assertThat(failures.decode(failures.encode(failure))).isEqualTo(failure);

    ImageEmbedding embedding =
        ImageEmbedding.newBuilder()
            .setDocId("d1")
            .setRequestId("r1")
            .setMode(EmbeddingMode.IMAGE_INSTRUCTION)
            .setInstruction("what?")
            .setModelVersion("tiny-abc")
            .setEmbedding(List.of(0.6f, 0.8f))
            .setPixelsHeight(448)
            .setPixelsWidth(448)
            .setEmbeddedAt(Instant.ofEpochMilli(7))
            .build();
    SingleObjectCodec<ImageEmbedding> embeddings = SingleObjectCodec.forClass(ImageEmbedding.class);
    assertThat(embeddings.decode(embeddings.encode(embedding))).isEqualTo(embedding);
  }

  @Test
  void olderWriterSchemaDecodesWithDefaults() throws Exception {
    Schema older = schema("ImageEmbeddingRequest-v0.avsc");
    GenericRecord record = new GenericData.Record(older);
    record.put("id", "old-1");
    record.put("image", "data:image/png;base64,AAAA");
    record.put("instructions", List.of("count the cats"));
    SingleObjectCodec<ImageEmbeddingRequest> reader =
        SingleObjectCodec.forClass(ImageEmbeddingRequest.class, List.of(older));

    ImageEmbeddingRequest decoded = reader.decode(encodeGeneric(older, record));

    assertThat(decoded.getId()).isEqualTo("old-1");
    assertThat(decoded.getInstructions()).containsExactly("count the cats");
    assertThat(decoded.getMetadata()).isEmpty();
    assertThat(decoded.getEventTime()).isNull();
  }

  @Test
  void newerWriterSchemaDecodesDroppingUnknownField() throws Exception {
    Schema newer = schema("ImageEmbeddingRequest-v2.avsc");
    GenericRecord record = new GenericData.Record(newer);
    record.put("id", "new-1");
    record.put("image", "https://x/y.png");
    record.put("instructions", List.of());
    record.put("metadata", Map.of("k", "v"));
    record.put("event_time", 99L);
    record.put("priority", 7);
    SingleObjectCodec<ImageEmbeddingRequest> reader =
        SingleObjectCodec.forClass(ImageEmbeddingRequest.class, List.of(newer));

    ImageEmbeddingRequest decoded = reader.decode(encodeGeneric(newer, record));

    assertThat(decoded.getId()).isEqualTo("new-1");
    assertThat(decoded.getMetadata()).containsEntry("k", "v");
    assertThat(decoded.getEventTime()).isEqualTo(Instant.ofEpochMilli(99));
  }

  @Test
  void unknownFingerprintIsATypedError() throws Exception {
    Schema newer = schema("ImageEmbeddingRequest-v2.avsc");
    GenericRecord record = new GenericData.Record(newer);
    record.put("id", "x");
    record.put("image", "https://x/y.png");
    record.put("instructions", List.of());
    record.put("metadata", Map.of());
    record.put("event_time", null);
    record.put("priority", 1);
    byte[] bytes = encodeGeneric(newer, record);

    assertThatThrownBy(() -> codec.decode(bytes))
        .isInstanceOfSatisfying(
            CodecException.class,
            e -> assertThat(e.kind()).isEqualTo(CodecException.Kind.UNKNOWN_SCHEMA))
        .hasMessageContaining(String.format("%016x", SingleObjectCodec.fingerprint(newer)));
  }

  @Test
  void emptyAndGarbageAreTypedErrors() {
    assertKind(null, CodecException.Kind.EMPTY);
    assertKind(new byte[0], CodecException.Kind.EMPTY);
    assertKind(
        "hello world".getBytes(StandardCharsets.UTF_8), CodecException.Kind.NOT_SINGLE_OBJECT);
    assertKind(
        "{\"id\":\"1\"}".getBytes(StandardCharsets.UTF_8), CodecException.Kind.NOT_SINGLE_OBJECT);
    assertKind(new byte[] {(byte) 0xC3, 0x01, 1, 2}, CodecException.Kind.TRUNCATED);
  }

  @Test
  void everyTruncationOfAValidRecordIsTruncatedOrMalformed() {
    byte[] full = codec.encode(sampleRequest());
    // One byte cannot hold the two-byte marker; a cut inside the header is truncated.
    assertKind(Arrays.copyOf(full, 1), CodecException.Kind.NOT_SINGLE_OBJECT);
    for (int length = 2; length < SingleObjectCodec.HEADER_LENGTH; length++) {
      assertKind(Arrays.copyOf(full, length), CodecException.Kind.TRUNCATED);
    }
    for (int length = SingleObjectCodec.HEADER_LENGTH; length < full.length; length++) {
      byte[] cut = Arrays.copyOf(full, length);
      assertThatThrownBy(() -> codec.decode(cut))
          .as("prefix of %d bytes", length)
          .isInstanceOfSatisfying(
              CodecException.class,
              e ->
                  assertThat(e.kind())
                      .isIn(CodecException.Kind.TRUNCATED, CodecException.Kind.MALFORMED));
    }
    byte[] exactlyCut = Arrays.copyOf(full, full.length - 1);
    assertKind(exactlyCut, CodecException.Kind.TRUNCATED);
  }

  @Test
  void trailingBytesAreMalformed() {
    byte[] full = codec.encode(sampleRequest());
    byte[] longer = Arrays.copyOf(full, full.length + 3);
    assertKind(longer, CodecException.Kind.MALFORMED);
  }

  @Test
  void randomBodiesBehindAValidHeaderNeverEscapeAsAnythingButCodecException() {
    byte[] header = Arrays.copyOf(codec.encode(sampleRequest()), SingleObjectCodec.HEADER_LENGTH);
    Random random = new Random(1234);
    for (int i = 0; i < 5_000; i++) {
      byte[] body = new byte[random.nextInt(64)];
      random.nextBytes(body);
      byte[] bytes = new byte[header.length + body.length];
      System.arraycopy(header, 0, bytes, 0, header.length);
      System.arraycopy(body, 0, bytes, header.length, body.length);
      try {
        codec.decode(bytes);
      } catch (CodecException expected) {
        assertThat(expected.getMessage()).isNotBlank();
      }
    }
  }

  @Test
  void hugeDeclaredStringLengthIsABodyErrorNotOutOfMemory() {
    byte[] header = Arrays.copyOf(codec.encode(sampleRequest()), SingleObjectCodec.HEADER_LENGTH);
    // id length as zig-zag varint 2^30: a hostile producer claiming a 1 GiB string in 20 bytes.
    byte[] body = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08, 'a', 'b'};
    byte[] bytes = new byte[header.length + body.length];
    System.arraycopy(header, 0, bytes, 0, header.length);
    System.arraycopy(body, 0, bytes, header.length, body.length);
    // Avro sees the length run past the end of the body (TRUNCATED); a size limit would say
    // MALFORMED.
    assertThatThrownBy(() -> codec.decode(bytes))
        .isInstanceOfSatisfying(
            CodecException.class,
            e ->
                assertThat(e.kind())
                    .isIn(CodecException.Kind.TRUNCATED, CodecException.Kind.MALFORMED));
  }

  private void assertKind(byte[] bytes, CodecException.Kind kind) {
    assertThatThrownBy(() -> codec.decode(bytes))
        .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.kind()).isEqualTo(kind));
  }

  static Schema schema(String resource) throws IOException {
    try (InputStream in = SingleObjectCodecTest.class.getResourceAsStream("/" + resource)) {
      return new Schema.Parser().parse(in);
    }
  }

  static byte[] encodeGeneric(Schema schema, GenericRecord record) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0xC3);
    out.write(0x01);
    long fp = SingleObjectCodec.fingerprint(schema);
    out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(fp).array());
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
    encoder.flush();
    return out.toByteArray();
  }
}
