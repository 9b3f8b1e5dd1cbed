package io.abcstream.operators.document;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.abcstream.schemas.EmbeddingMode;
import io.abcstream.schemas.ImageEmbedding;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmbeddingDocumentsTest {

  @Test
  void documentHasTheContractFields() throws Exception {
    ImageEmbedding embedding =
        ImageEmbedding.newBuilder()
            .setDocId("id")
            .setRequestId("req-1")
            .setImageUri("https://x/cat.png")
            .setInstruction("what is on the left?")
            .setMode(EmbeddingMode.IMAGE_INSTRUCTION)
            .setModelVersion("v1")
            .setEmbedding(List.of(0.6f, 0.8f))
            .setPixelsHeight(448)
            .setPixelsWidth(476)
            .setMetadata(Map.of("tenant", "t1"))
            .setEventTime(Instant.ofEpochMilli(1000))
            .setEmbeddedAt(Instant.ofEpochMilli(2000))
            .build();

    JsonNode doc = new ObjectMapper().readTree(EmbeddingDocuments.toJson(embedding, Instant.ofEpochMilli(3000)));

    assertThat(doc.get("request_id").asText()).isEqualTo("req-1");
    assertThat(doc.get("image_uri").asText()).isEqualTo("https://x/cat.png");
    assertThat(doc.get("instruction").asText()).isEqualTo("what is on the left?");
    assertThat(doc.get("mode").asText()).isEqualTo("image+instruction");
    assertThat(doc.get("embedding").get(0).floatValue()).isEqualTo(0.6f);
    assertThat(doc.get("embedding").get(1).floatValue()).isEqualTo(0.8f);
    assertThat(doc.get("model_version").asText()).isEqualTo("v1");
    assertThat(doc.get("pixels").get("height").asInt()).isEqualTo(448);
    assertThat(doc.get("pixels").get("width").asInt()).isEqualTo(476);
    assertThat(doc.get("metadata").get("tenant").asText()).isEqualTo("t1");
    assertThat(doc.get("event_time").asLong()).isEqualTo(1000);
    assertThat(doc.get("indexed_at").asLong()).isEqualTo(3000);
  }

  @Test
  void imageOnlyDocumentHasNullInstruction() throws Exception {
    ImageEmbedding embedding =
        ImageEmbedding.newBuilder()
            .setDocId("id")
            .setRequestId("r")
            .setMode(EmbeddingMode.IMAGE)
            .setModelVersion("v1")
            .setEmbedding(List.of(1f))
            .setEmbeddedAt(Instant.EPOCH)
            .build();

    JsonNode doc = new ObjectMapper().readTree(EmbeddingDocuments.toJson(embedding, Instant.EPOCH));

    assertThat(doc.get("instruction").isNull()).isTrue();
    assertThat(doc.get("mode").asText()).isEqualTo("image");
    assertThat(doc.has("event_time")).isFalse();
  }

  @Test
  void modeNamesAreTheWireNamesTheCliAndQueriesUse() {
    assertThat(EmbeddingDocuments.modeName(EmbeddingMode.IMAGE_INSTRUCTION)).isEqualTo("image+instruction");
    assertThat(EmbeddingDocuments.modeName(EmbeddingMode.IMAGE)).isEqualTo("image");
    assertThat(EmbeddingDocuments.modeName(EmbeddingMode.TEXT)).isEqualTo("text");
    assertThatThrownBy(() -> EmbeddingDocuments.modeName(EmbeddingMode.UNKNOWN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("UNKNOWN");
  }
}
