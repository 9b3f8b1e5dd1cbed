package io.abcstream.operators.failure;

import static org.assertj.core.api.Assertions.assertThat;

import io.abcstream.connectors.elasticsearch.DeadLetter;
import io.abcstream.connectors.elasticsearch.IndexOperation;
import io.abcstream.operators.document.DocumentConverter;
import io.abcstream.schemas.EmbeddingFailure;
import io.abcstream.schemas.EmbeddingMode;
import io.abcstream.schemas.ErrorClass;
import io.abcstream.schemas.FailureStage;
import io.abcstream.schemas.ImageEmbedding;
import io.abcstream.schemas.ImageEmbeddingRequest;
import io.abcstream.schemas.codec.RecordCodec;
import io.abcstream.schemas.codec.SingleObjectCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A document Elasticsearch rejected becomes an INDEX failure built from what its operation holds,
 * not from its JSON.
 */
class IndexRejectedFailuresTest {

  private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");
  private static final RecordCodec<ImageEmbeddingRequest> JSON =
      RecordCodec.of(RecordCodec.Format.JSON, ImageEmbeddingRequest.class);
  private static final RecordCodec<ImageEmbeddingRequest> AVRO =
      RecordCodec.of(RecordCodec.Format.AVRO, ImageEmbeddingRequest.class);

  private static ImageEmbedding.Builder embedding(
      String requestId, String image, String instruction) {
    return ImageEmbedding.newBuilder()
        .setDocId("d1")
        .setRequestId(requestId)
        .setImageUri(image)
        .setInstruction(instruction)
        .setMode(instruction == null ? EmbeddingMode.IMAGE : EmbeddingMode.IMAGE_INSTRUCTION)
        .setModelVersion("m1")
        .setEmbedding(List.of(1f, 2f, 3f))
        .setEmbeddedAt(Instant.EPOCH);
  }

  private static IndexOperation operation(
      ImageEmbedding embedding, RecordCodec.Format inputFormat) {
    return new DocumentConverter("abc-m1", inputFormat).apply(embedding, null);
  }

  @Test
  void mapsARejectedDocumentToAnIndexFailureWithAReplayableRequest() throws Exception {
    ImageEmbedding embedding =
        embedding("req-9", "https://x/9.jpg", "find cats")
            .setMetadata(Map.of("team", "vision"))
            .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L))
            .build();
    DeadLetter letter =
        new DeadLetter(
            operation(embedding, RecordCodec.Format.AVRO),
            "different number of dimensions",
            "document_parsing_exception",
            400,
            1);

    EmbeddingFailure failure = Failures.indexRejected(letter, NOW);

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

    ImageEmbeddingRequest request =
        SingleObjectCodec.forClass(ImageEmbeddingRequest.class)
            .decode(bytes(failure.getOriginalValue()));
    assertThat(request.getId().toString()).isEqualTo("req-9");
    assertThat(request.getImage().toString()).isEqualTo("https://x/9.jpg");
    assertThat(request.getInstructions()).extracting(Object::toString).containsExactly("find cats");
    assertThat(request.getMetadata()).containsExactly(Map.entry("team", "vision"));
    assertThat(request.getEventTime()).isEqualTo(Instant.ofEpochMilli(1_700_000_000_000L));
    assertThat(new String(bytes(failure.getOriginalKey()), StandardCharsets.UTF_8))
        .isEqualTo("req-9");
  }

  @Test
  void theDeadLetterCarriesTheInputRequestsBytesWhateverTheDocumentSays() throws Exception {
    ImageEmbeddingRequest input =
        ImageEmbeddingRequest.newBuilder()
            .setId("req-bytes")
            .setImage("https://x/b.png")
            .setInstructions(List.of("left or right?"))
            .setMetadata(Map.of("k", "v"))
            .setEventTime(Instant.ofEpochMilli(1_234L))
            .build();
    ImageEmbedding embedding =
        embedding("req-bytes", "https://x/b.png", "left or right?")
            .setMetadata(Map.of("k", "v"))
            .setEventTime(Instant.ofEpochMilli(1_234L))
            .build();
    IndexOperation op = operation(embedding, RecordCodec.Format.AVRO);
    // A document the handler could not read back still yields the full request: it is never parsed.
    IndexOperation unreadable =
        IndexOperation.index(
            op.index(), op.id(), "not json".getBytes(StandardCharsets.UTF_8), op.context());

    EmbeddingFailure failure =
        Failures.indexRejected(
            new DeadLetter(unreadable, "bad", "mapper_parsing_exception", 400, 1), NOW);

    assertThat(bytes(failure.getOriginalValue())).isEqualTo(AVRO.encode(input));
    assertThat(failure.getRequestId().toString()).isEqualTo("req-bytes");
  }

  @Test
  void operationWithoutContextStillGivesAFailureWithoutRequest() {
    DeadLetter letter =
        new DeadLetter(
            IndexOperation.index("i", "d", "not json"),
            "failed to parse",
            "x_content_parse_exception",
            400,
            1);
    EmbeddingFailure failure = Failures.indexRejected(letter, NOW);
    assertThat(failure.getRequestId()).isNull();
    assertThat(failure.getOriginalValue()).isNull();
    assertThat(failure.getMessage().toString()).contains("x_content_parse_exception");
  }

  @Test
  void imageOnlyDocumentRebuildsARequestWithoutInstructions() throws Exception {
    DeadLetter letter =
        new DeadLetter(
            operation(
                embedding("r", "data:image/png;base64,AA", null).build(), RecordCodec.Format.AVRO),
            "bad",
            "mapper_parsing_exception",
            400,
            2);
    EmbeddingFailure failure = Failures.indexRejected(letter, NOW);
    ImageEmbeddingRequest request =
        SingleObjectCodec.forClass(ImageEmbeddingRequest.class)
            .decode(bytes(failure.getOriginalValue()));
    assertThat(request.getInstructions()).isEqualTo(List.of());
    assertThat(request.getMetadata()).isEqualTo(Map.of());
    assertThat(failure.getAttempts()).isEqualTo(2);
  }

  @Test
  void inlineImageBytesCannotBeRebuiltSoTheFailureHasNoRequest() {
    DeadLetter letter =
        new DeadLetter(
            operation(embedding("r-inline", null, "q").build(), RecordCodec.Format.AVRO),
            "bad",
            "x",
            400,
            1);
    EmbeddingFailure failure = Failures.indexRejected(letter, NOW);
    assertThat(failure.getRequestId().toString()).isEqualTo("r-inline");
    assertThat(failure.getOriginalValue()).isNull();
    assertThat(failure.getOriginalKey()).isNull();
  }

  @Test
  void theRebuiltRequestUsesTheInputTopicsFormat() throws Exception {
    DeadLetter letter =
        new DeadLetter(
            operation(
                embedding("r-json", "https://x/j.png", "which?").build(), RecordCodec.Format.JSON),
            "bad",
            "mapper_parsing_exception",
            400,
            1);
    EmbeddingFailure failure = Failures.indexRejected(letter, NOW);
    byte[] value = bytes(failure.getOriginalValue());
    assertThat(new String(value, StandardCharsets.UTF_8)).startsWith("{").contains("\"r-json\"");
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
