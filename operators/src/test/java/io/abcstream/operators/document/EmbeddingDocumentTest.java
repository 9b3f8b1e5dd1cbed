package io.abcstream.operators.document;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.abcstream.connectors.elasticsearch.DenseVectorOptions;
import io.abcstream.connectors.elasticsearch.IndexManager;
import io.abcstream.schemas.EmbeddingMode;
import io.abcstream.schemas.ImageEmbedding;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmbeddingDocumentTest {

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

    JsonNode doc =
        new ObjectMapper()
            .readTree(EmbeddingDocument.toJson(embedding, Instant.ofEpochMilli(3000)));

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

    JsonNode doc = new ObjectMapper().readTree(EmbeddingDocument.toJson(embedding, Instant.EPOCH));

    assertThat(doc.get("instruction").isNull()).isTrue();
    assertThat(doc.get("mode").asText()).isEqualTo("image");
    assertThat(doc.has("event_time")).isFalse();
  }

  @Test
  void theUriQueryIsStoredOrRedactedAsConfigured() throws Exception {
    String presigned = "https://bucket.example/cat.png?X-Amz-Signature=abc123&X-Amz-Credential=k";
    ImageEmbedding embedding =
        ImageEmbedding.newBuilder()
            .setDocId("id")
            .setRequestId("r")
            .setImageUri(presigned)
            .setMode(EmbeddingMode.IMAGE)
            .setModelVersion("v1")
            .setEmbedding(List.of(1f))
            .setEmbeddedAt(Instant.EPOCH)
            .build();
    ObjectMapper json = new ObjectMapper();

    JsonNode kept = json.readTree(EmbeddingDocument.toJson(embedding, Instant.EPOCH, true));
    JsonNode redacted = json.readTree(EmbeddingDocument.toJson(embedding, Instant.EPOCH, false));

    assertThat(kept.get("image_uri").asText()).isEqualTo(presigned);
    assertThat(redacted.get("image_uri").asText())
        .isEqualTo("https://bucket.example/cat.png?<redacted>");
    assertThat(json.readTree(EmbeddingDocument.toJson(embedding, Instant.EPOCH)))
        .as("the default keeps the URI as given")
        .isEqualTo(kept);
  }

  @Test
  void modeNamesAreTheWireNamesTheCliAndQueriesUse() {
    assertThat(EmbeddingDocument.modeName(EmbeddingMode.IMAGE_INSTRUCTION))
        .isEqualTo("image+instruction");
    assertThat(EmbeddingDocument.modeName(EmbeddingMode.IMAGE)).isEqualTo("image");
    assertThat(EmbeddingDocument.modeName(EmbeddingMode.TEXT)).isEqualTo("text");
    assertThatThrownBy(() -> EmbeddingDocument.modeName(EmbeddingMode.UNKNOWN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("UNKNOWN");
  }

  @Test
  void mappingFollowsTheDocumentContract() {
    JsonNode body =
        IndexManager.indexBody(
            IndexManager.IndexSpec.of(
                "abc",
                "m",
                EmbeddingDocument.mappings(
                    new DenseVectorOptions(3584, "dot_product", "bbq_hnsw"))));
    JsonNode embedding = body.at("/mappings/properties/embedding");
    assertThat(embedding.get("type").asText()).isEqualTo("dense_vector");
    assertThat(embedding.get("dims").asInt()).isEqualTo(3584);
    assertThat(embedding.get("similarity").asText()).isEqualTo("dot_product");
    assertThat(embedding.at("/index_options/type").asText()).isEqualTo("bbq_hnsw");
    // One field whatever the keys: requests cannot grow the mapping.
    assertThat(body.at("/mappings/properties/metadata/type").asText()).isEqualTo("flattened");
    assertThat(body.at("/mappings/dynamic_templates").isMissingNode()).isTrue();
    assertThat(body.at("/mappings/properties/mode/type").asText()).isEqualTo("keyword");
    assertThat(body.at("/mappings/properties/model_version/type").asText()).isEqualTo("keyword");
  }

  /**
   * The exact index body IndexManager.indexBody wrote before the mapping moved here, but for {@code
   * metadata}, which is now one flattened field instead of a dynamic object of keywords.
   */
  @Test
  void indexBodyIsUnchangedByteForByte() {
    IndexManager.IndexSpec spec =
        IndexManager.IndexSpec.of(
                "abc",
                "m",
                EmbeddingDocument.mappings(new DenseVectorOptions(16, "dot_product", "int8_hnsw")))
            .withNumberOfReplicas(0);
    assertThat(IndexManager.indexBody(spec).toString())
        .isEqualTo(
            "{\"settings\":{\"index\":{\"number_of_replicas\":0}},\"mappings\":{"
                + "\"properties\":{\"request_id\":{\"type\":\"keyword\"},\"image_uri\":{\"type\":\"keyword\"},"
                + "\"instruction\":{\"type\":\"text\",\"fields\":{\"keyword\":{\"type\":\"keyword\",\"ignore_above\":1024}}},"
                + "\"mode\":{\"type\":\"keyword\"},\"embedding\":{\"type\":\"dense_vector\",\"dims\":16,\"index\":true,"
                + "\"similarity\":\"dot_product\",\"index_options\":{\"type\":\"int8_hnsw\"}},\"model_version\":{\"type\":\"keyword\"},"
                + "\"pixels\":{\"type\":\"object\",\"properties\":{\"height\":{\"type\":\"integer\"},\"width\":{\"type\":\"integer\"}}},"
                + "\"metadata\":{\"type\":\"flattened\"},\"event_time\":{\"type\":\"date\"},"
                + "\"indexed_at\":{\"type\":\"date\"}}}}");
  }

  /** The document JSON is pinned byte for byte (field order included). */
  @Test
  void documentJsonIsUnchangedByteForByte() {
    ImageEmbedding embedding =
        ImageEmbedding.newBuilder()
            .setDocId("id")
            .setRequestId("req-1")
            .setImageUri("https://x/cat.png")
            .setInstruction("q")
            .setMode(EmbeddingMode.IMAGE_INSTRUCTION)
            .setModelVersion("v1")
            .setEmbedding(List.of(0.5f, -0.25f))
            .setPixelsHeight(448)
            .setPixelsWidth(476)
            .setMetadata(Map.of("tenant", "t1"))
            .setEventTime(Instant.ofEpochMilli(1000))
            .setEmbeddedAt(Instant.ofEpochMilli(2000))
            .build();
    assertThat(
            new String(
                EmbeddingDocument.toJson(embedding, Instant.ofEpochMilli(3000)),
                StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"request_id\":\"req-1\",\"image_uri\":\"https://x/cat.png\",\"instruction\":\"q\",\"mode\":\"image+instruction\","
                + "\"embedding\":[0.5,-0.25],\"model_version\":\"v1\",\"pixels\":{\"height\":448,\"width\":476},"
                + "\"metadata\":{\"tenant\":\"t1\"},\"event_time\":1000,\"indexed_at\":3000}");
  }

  @Test
  void rejectionRoundTripsThroughItsBytes() {
    EmbeddingDocument.Rejection rejection =
        new EmbeddingDocument.Rejection("r-é", null, "m1", new byte[] {1, 2, 3});
    EmbeddingDocument.Rejection back = EmbeddingDocument.Rejection.fromBytes(rejection.toBytes());
    assertThat(back.requestId()).isEqualTo("r-é");
    assertThat(back.instruction()).isNull();
    assertThat(back.modelVersion()).isEqualTo("m1");
    assertThat(back.request()).containsExactly(1, 2, 3);
    assertThat(
            EmbeddingDocument.Rejection.fromBytes(
                    new EmbeddingDocument.Rejection(null, "i", null, null).toBytes())
                .request())
        .isNull();
    assertThatThrownBy(() -> EmbeddingDocument.Rejection.fromBytes(new byte[] {9}))
        .hasMessageContaining("format 9");
  }
}
