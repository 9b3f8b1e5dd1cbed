package io.abcstream.connectors.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class IndexManagerTest {

  @Test
  void sanitisesNamesToElasticsearchRules() {
    assertThat(IndexManager.versionedIndexName("ABC-Embeddings", "Model:V1/2 beta"))
        .isEqualTo("abc-embeddings-model-v1-2-beta");
    assertThat(IndexManager.sanitize("_+-x*y?")).isEqualTo("x-y-");
    assertThat(IndexManager.sanitize("a".repeat(300))).hasSize(255);
    assertThatThrownBy(() -> IndexManager.sanitize("..")).hasMessageContaining("valid");
    assertThatThrownBy(() -> IndexManager.sanitize("___")).hasMessageContaining("valid");
  }

  @Test
  void indexBodyIsTheSettingsAndTheJobsMappings() {
    IndexManager.IndexSpec spec =
        IndexManager.IndexSpec.of("abc", "m", EsTestSupport.mappings(3584)).withNumberOfReplicas(0);
    JsonNode body = IndexManager.indexBody(spec);
    assertThat(body.at("/settings/index/number_of_replicas").asInt()).isZero();
    assertThat(body.at("/settings/index").has("number_of_shards")).isFalse();
    assertThat(body.get("mappings")).isEqualTo(EsTestSupport.mappings(3584));
    JsonNode vector = body.at("/mappings/properties/" + EsTestSupport.VECTOR);
    assertThat(vector.get("type").asText()).isEqualTo("dense_vector");
    assertThat(vector.get("dims").asInt()).isEqualTo(3584);
    assertThat(vector.get("similarity").asText()).isEqualTo("dot_product");
    assertThat(vector.at("/index_options/type").asText()).isEqualTo("int8_hnsw");
  }

  @Test
  void denseVectorOptionsAreChecked() {
    assertThatThrownBy(() -> new DenseVectorOptions(0, "dot_product", "hnsw"))
        .hasMessageContaining("dims");
    assertThatThrownBy(() -> new DenseVectorOptions(5000, "dot_product", "hnsw"))
        .hasMessageContaining("4096");
    assertThatThrownBy(() -> new DenseVectorOptions(3, "euclid", "hnsw"))
        .hasMessageContaining("similarity");
    assertThatThrownBy(() -> new DenseVectorOptions(3, "cosine", "ivf"))
        .hasMessageContaining("index_options");
    assertThat(new DenseVectorOptions(3, "cosine", "bbq_hnsw").toMapping().toString())
        .isEqualTo(
            "{\"type\":\"dense_vector\",\"dims\":3,\"index\":true,\"similarity\":\"cosine\",\"index_options\":{\"type\":\"bbq_hnsw\"}}");
  }

  @Test
  void specIsChecked() {
    assertThatThrownBy(() -> IndexManager.IndexSpec.of("a", " ", EsTestSupport.mappings(3)))
        .hasMessageContaining("version");
    assertThatThrownBy(() -> IndexManager.IndexSpec.of("a", "m", null))
        .hasMessageContaining("mappings");
    assertThatThrownBy(
            () ->
                IndexManager.IndexSpec.of("a", "m", EsTestSupport.mappings(3))
                    .withNumberOfReplicas(-1))
        .hasMessageContaining("replicas");
    assertThatThrownBy(
            () ->
                new IndexManager.IndexSpec(
                    "a",
                    "m",
                    EsTestSupport.mappings(3),
                    Optional.of(0),
                    Optional.empty(),
                    true,
                    false))
        .hasMessageContaining("shards");
    assertThat(IndexManager.IndexSpec.of("My Prefix", "m", EsTestSupport.mappings(3)).prefix())
        .isEqualTo("my-prefix");
  }
}
