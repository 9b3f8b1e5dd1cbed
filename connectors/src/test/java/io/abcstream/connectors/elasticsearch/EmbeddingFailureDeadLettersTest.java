package io.abcstream.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.RecordCodec;
import io.abcstream.schemas.codec.SingleObjectCodec;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmbeddingFailureDeadLettersTest {

  private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");
  private static final RecordCodec<ImageEmbeddingRequest> AVRO =
      RecordCodec.of(RecordCodec.Format.AVRO, ImageEmbeddingRequest.class);
  private static final RecordCodec<ImageEmbeddingRequest> JSON =
      RecordCodec.of(RecordCodec.Format.JSON, ImageEmbeddingRequest.class);

  @Test
  void mapsARejectedDocumentToAnIndexFailureWithAReplayableRequest() throws Exception {
    IndexOperation op =
        IndexOperation.index(
            "abc-m1",
            "d1",
            "{\"request_id\":\"req-9\",\"image_uri\":\"https://x/9.jpg\",\"instruction\":\"find cats\","
                + "\"model_version\":\"m1\",\"metadata\":{\"team\":\"vision\"},\"event_time\":1700000000000,\"embedding\":[1,2,3]}");
    DeadLetter letter = new DeadLetter(op, "different number of dimensions", "document_parsing_exception", 400, 1);

    EmbeddingFailure failure = EmbeddingFailureDeadLetters.toEmbeddingFailure(letter, NOW, AVRO);

    assertThat(failure.getStage()).isEqualTo(FailureStage.INDEX);
    assertThat(failure.getErrorClass()).isEqualTo(ErrorClass.INDEX_REJECTED);
    assertThat(failure.getRequestId().toString()).isEqualTo("req-9");
    assertThat(failure.getInstruction().toString()).isEqualTo("find cats");
    assertThat(failure.getModelVersion().toString()).isEqualTo("m1");
    assertThat(failure.getAttempts()).isEqualTo(1);
    assertThat(failure.getFailedAt()).isEqualTo(NOW);
    assertThat(failure.getMessage().toString())
        .contains("abc-m1")
        .contains("d1")
        .contains("HTTP 400 document_parsing_exception: different number of dimensions");

    ImageEmbeddingRequest request = SingleObjectCodec.forClass(ImageEmbeddingRequest.class).decode(bytes(failure.getOriginalValue()));
    assertThat(request.getId().toString()).isEqualTo("req-9");
    assertThat(request.getImage().toString()).isEqualTo("https://x/9.jpg");
    assertThat(request.getInstructions()).extracting(Object::toString).containsExactly("find cats");
    assertThat(request.getMetadata()).containsExactly(Map.entry("team", "vision"));
    assertThat(request.getEventTime()).isEqualTo(Instant.ofEpochMilli(1_700_000_000_000L));
    assertThat(new String(bytes(failure.getOriginalKey()), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("req-9");
  }

  @Test
  void sourceThatIsNotJsonStillGivesAFailureWithoutRequest() {
    DeadLetter letter = new DeadLetter(IndexOperation.index("i", "d", "not json"), "failed to parse", "x_content_parse_exception", 400, 1);
    EmbeddingFailure failure = EmbeddingFailureDeadLetters.toEmbeddingFailure(letter, NOW, AVRO);
    assertThat(failure.getRequestId()).isNull();
    assertThat(failure.getOriginalValue()).isNull();
    assertThat(failure.getMessage().toString()).contains("x_content_parse_exception");
  }

  @Test
  void imageOnlyDocumentRebuildsARequestWithoutInstructions() throws Exception {
    DeadLetter letter =
        new DeadLetter(
            IndexOperation.index("i", "d", "{\"request_id\":\"r\",\"image_uri\":\"data:image/png;base64,AA\",\"instruction\":null}"),
            "bad", "mapper_parsing_exception", 400, 2);
    EmbeddingFailure failure = EmbeddingFailureDeadLetters.toEmbeddingFailure(letter, NOW, AVRO);
    ImageEmbeddingRequest request = SingleObjectCodec.forClass(ImageEmbeddingRequest.class).decode(bytes(failure.getOriginalValue()));
    assertThat(request.getInstructions()).isEqualTo(List.of());
    assertThat(request.getMetadata()).isEqualTo(Map.of());
    assertThat(failure.getAttempts()).isEqualTo(2);
  }

  @Test
  void theRebuiltRequestUsesTheInputTopicsFormat() throws Exception {
    DeadLetter letter =
        new DeadLetter(
            IndexOperation.index("i", "d", "{\"request_id\":\"r-json\",\"image_uri\":\"https://x/j.png\",\"instruction\":\"which?\"}"),
            "bad", "mapper_parsing_exception", 400, 1);
    EmbeddingFailure failure = EmbeddingFailureDeadLetters.toEmbeddingFailure(letter, NOW, JSON);
    byte[] value = bytes(failure.getOriginalValue());
    assertThat(new String(value, java.nio.charset.StandardCharsets.UTF_8)).startsWith("{").contains("\"r-json\"");
    ImageEmbeddingRequest request = JSON.decode(value);
    assertThat(request.getId().toString()).isEqualTo("r-json");
    assertThat(request.getImage().toString()).isEqualTo("https://x/j.png");
    assertThat(request.getInstructions()).extracting(Object::toString).containsExactly("which?");
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
